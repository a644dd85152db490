"""Acceptance: Tempest's identity API tests (Debian's tempest package)
against a cluster the launcher started. Every test must pass or skip,
except those of the Keystone extensions not built yet (listed below):
a regression anywhere else fails this test."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster  # noqa: E402

SKIP = 77  # ctest's SKIP_RETURN_CODE

# Keystone v3 features Stratus does not offer yet (see the closing notes).
NOT_BUILT = [
    "test_domain_configuration",  # domain-specific configuration
    "test_inherits",              # OS-INHERIT
    "test_oauth_consumers",       # OS-OAUTH1
    "test_ec2_credentials",       # EC2 credentials
    "test_endpoint_groups",       # OS-EP-FILTER
    "test_create_is_domain_project",  # projects acting as domains
    "test_assignments_for_domain_roles",  # domain-specific roles
    "test_implied_domain_roles",
]

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
[service_available]
glance = false
nova = false
neutron = false
cinder = false
swift = false
[validation]
run_validation = false
"""


def main():
    if shutil.which("tempest") is None:
        print("SKIP: tempest is not installed (apt-get install tempest)")
        return SKIP
    work = tempfile.mkdtemp(prefix="stratus-tempest-")
    try:
        with Cluster({"identity": {"password_cost": "4"}}) as c:
            # Workspaces are registered by name for the user: one of our own, dropped after.
            name = os.path.basename(work)
            ws = os.path.join(work, "ws")
            subprocess.run(["tempest", "init", "--name", name, ws], check=True, capture_output=True)
            with open(os.path.join(ws, "etc", "tempest.conf"), "w") as f:
                f.write(CONFIG.format(dir=ws, user=c.env["OS_USERNAME"], password=c.env["OS_PASSWORD"],
                                      auth_url=c.env["OS_AUTH_URL"]))
            out = subprocess.run(["tempest", "run", "--regex", "tempest.api.identity", "--concurrency", "2"],
                                 cwd=ws, capture_output=True, text=True, timeout=900).stdout
            subprocess.run(["tempest", "workspace", "remove", "--name", name], capture_output=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = re.findall(r"^\{\d+\} (?:setUpClass \()?(\S+?)\)? \[[^\]]*\] \.\.\. (ok|FAILED|SKIPPED.*)$",
                         out, re.M)
    passed = [name for name, status in results if status == "ok"]
    failed = [name for name, status in results if status == "FAILED"]
    unexpected = [name for name in failed if not any(feature in name for feature in NOT_BUILT)]
    print(f"tempest identity: {len(passed)} passed, {len(failed)} failed "
          f"({len(failed) - len(unexpected)} in features not built yet), {len(results)} in all")
    for name in unexpected:
        print("UNEXPECTED FAILURE:", name)
    if not results:
        print(out[-3000:])
        return 1
    return 1 if unexpected or len(passed) < 90 else 0


if __name__ == "__main__":
    sys.exit(main())
