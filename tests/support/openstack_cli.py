"""Running the real `openstack` CLI (Debian's python3-openstackclient)
against a Cluster, as an operator would after sourcing its openrc."""

import json
import os
import shutil
import subprocess
import sys
import unittest

SKIP = 77  # ctest's SKIP_RETURN_CODE


class CliTestCase(unittest.TestCase):
    """A test case whose class attribute `cluster` is a started Cluster."""

    cluster = None

    def osc(self, *args, user=None, password=None, project=None, check=True):
        env = dict(os.environ, **self.cluster.env)
        if user:
            env.update(OS_USERNAME=user, OS_PASSWORD=password, OS_PROJECT_NAME=project)
        out = subprocess.run(["openstack", *args], capture_output=True, text=True, env=env,
                             timeout=300)
        if check and out.returncode != 0:
            self.fail(f"openstack {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
        return out

    def osc_json(self, *args, **kw):
        return json.loads(self.osc(*args, "-f", "json", **kw).stdout)


def main():
    """unittest.main, or SKIP when the CLI is not installed."""
    if shutil.which("openstack") is None:
        print("SKIP: the openstack CLI is not installed (apt-get install python3-openstackclient)")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
