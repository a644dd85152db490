"""Running Tempest (Debian's tempest package) against a Cluster: a
workspace of our own, a tempest.conf for what the cluster offers, one
`tempest run`, and its results counted from the output (tempest exits 0
even when tests fail)."""

import os
import re
import shutil
import subprocess
import tempfile

from stratus_cluster import Cluster

SKIP = 77  # ctest's SKIP_RETURN_CODE

CONFIG = """[DEFAULT]
log_dir = {dir}/logs
[auth]
admin_username = {user}
admin_password = {password}
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = true
[identity]
uri_v3 = {auth_url}
auth_version = v3
v3_endpoint_type = public
region = RegionOne
[identity-feature-enabled]
api_v2 = false
api_v3 = true
application_credentials = true
trust = false
[image-feature-enabled]
api_v1 = false
api_v2 = true
import_image = false
os_glance_reserved = false
[service_available]
glance = {glance}
nova = {nova}
neutron = false
cinder = false
swift = false
[validation]
run_validation = false
"""


def run_tempest(area, regex, services, not_built, min_passed, role_settings=None,
                compute_nodes=0, prepare=None):
    """Runs the tests matching `regex`; every one must pass or skip except
    those naming a feature in `not_built`, and at least `min_passed` must
    pass. `prepare(cluster)` may create what the tests need and return more
    tempest.conf text. Returns the process exit code (0, 1, or SKIP)."""
    if shutil.which("tempest") is None:
        print("SKIP: tempest is not installed (apt-get install tempest)")
        return SKIP
    work = tempfile.mkdtemp(prefix="stratus-tempest-")
    try:
        with Cluster(role_settings or {"identity": {"password_cost": "4"}}, compute_nodes) as c:
            # Workspaces are registered by name for the user: one of our own, dropped after.
            name = os.path.basename(work)
            ws = os.path.join(work, "ws")
            subprocess.run(["tempest", "init", "--name", name, ws], check=True, capture_output=True)
            with open(os.path.join(ws, "etc", "tempest.conf"), "w") as f:
                f.write(CONFIG.format(dir=ws, user=c.env["OS_USERNAME"], password=c.env["OS_PASSWORD"],
                                      auth_url=c.env["OS_AUTH_URL"],
                                      glance=str("image" in services).lower(),
                                      nova=str("compute" in services).lower()))
                if prepare:
                    f.write(prepare(c))
            out = subprocess.run(["tempest", "run", "--regex", regex, "--concurrency", "2"],
                                 cwd=ws, capture_output=True, text=True, timeout=900).stdout
            subprocess.run(["tempest", "workspace", "remove", "--name", name], capture_output=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = re.findall(r"^\{\d+\} (?:setUpClass \()?(\S+?)\)? \[[^\]]*\] \.\.\. (ok|FAILED|SKIPPED.*)$",
                         out, re.M)
    passed = [name for name, status in results if status == "ok"]
    failed = [name for name, status in results if status == "FAILED"]
    unexpected = [name for name in failed if not any(feature in name for feature in not_built)]
    print(f"tempest {area}: {len(passed)} passed, {len(failed)} failed "
          f"({len(failed) - len(unexpected)} in features not built yet), {len(results)} in all")
    for name in unexpected:
        print("UNEXPECTED FAILURE:", name)
    if not results:
        print(out[-3000:])
        return 1
    return 1 if unexpected or len(passed) < min_passed else 0
