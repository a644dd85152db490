"""Acceptance: the real `openstack` CLI (Debian's python3-openstackclient)
against a cluster the launcher started, through the openrc it wrote."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from openstack_cli import CliTestCase, main  # noqa: E402
from stratus_cluster import Cluster  # noqa: E402


class IdentityCli(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster({"identity": {"password_cost": "4"}}).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def test_1_admin_token_and_catalog(self):
        token = self.osc_json("token", "issue")
        self.assertTrue(token["id"].startswith("gAAAAA"))
        self.assertTrue(token["project_id"])
        types = {entry["Type"] for entry in self.osc_json("catalog", "list")}
        self.assertEqual(types, {"identity", "image", "compute", "network", "placement"})

    def test_2_projects_users_roles_and_tokens(self):
        project = self.osc_json("project", "create", "--description", "acceptance", "accept-proj")
        self.assertEqual(project["name"], "accept-proj")
        names = {p["Name"] for p in self.osc_json("project", "list")}
        self.assertIn("accept-proj", names)
        shown = self.osc_json("project", "show", "accept-proj")
        self.assertEqual(shown["id"], project["id"])
        self.assertEqual(shown["description"], "acceptance")

        user = self.osc_json("user", "create", "--project", "accept-proj", "--password", "pw-bob", "bob")
        self.assertEqual(user["default_project_id"], project["id"])
        self.osc("role", "add", "--user", "bob", "--project", "accept-proj", "member")
        rows = self.osc_json("role", "assignment", "list", "--user", "bob", "--names")
        self.assertEqual([(r["Role"], r["Project"]) for r in rows], [("member", "accept-proj@Default")])

        bob = self.osc_json("token", "issue", user="bob", password="pw-bob", project="accept-proj")
        self.assertEqual(bob["project_id"], project["id"])
        self.assertEqual(bob["user_id"], user["id"])

        # Isolation: bob, a member of accept-proj, sees only his project (the CLI falls
        # back to his own projects when listing all is forbidden), and no user list.
        as_bob = dict(user="bob", password="pw-bob", project="accept-proj")
        denied = self.osc("project", "show", "admin", check=False, **as_bob)
        self.assertNotEqual(denied.returncode, 0)
        mine = self.osc_json("project", "list", **as_bob)
        self.assertEqual([p["Name"] for p in mine], ["accept-proj"])
        denied = self.osc("user", "list", check=False, **as_bob)
        self.assertIn("403", denied.stderr)
        denied = self.osc("project", "create", "bobs-own", user="bob", password="pw-bob",
                          project="accept-proj", check=False)
        self.assertIn("403", denied.stderr)

        # A disabled user's tokens stop working, and it gets no new one.
        r = self.cluster.request("GET", "/identity/v3/auth/projects", token=bob["id"])
        self.assertEqual(r.status, 200, r)
        self.osc("user", "set", "--disable", "bob")
        r = self.cluster.request("GET", "/identity/v3/auth/projects", token=bob["id"])
        self.assertEqual(r.status, 401, r)
        failed = self.osc("token", "issue", user="bob", password="pw-bob", project="accept-proj",
                          check=False)
        self.assertNotEqual(failed.returncode, 0)
        self.assertIn("401", failed.stderr)

        self.osc("user", "delete", "bob")
        self.osc("project", "delete", "accept-proj")
        gone = self.osc("project", "show", "accept-proj", check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn("No project with a name or ID of 'accept-proj' exists", gone.stderr)

    def test_3_token_revoke(self):
        token = self.osc_json("token", "issue")["id"]
        self.assertEqual(self.cluster.request("GET", "/identity/v3/auth/catalog", token=token).status, 200)
        self.osc("token", "revoke", token)
        self.assertEqual(self.cluster.request("GET", "/identity/v3/auth/catalog", token=token).status, 401)

    def test_4_application_credentials(self):
        cred = self.osc_json("application", "credential", "create", "--role", "reader",
                             "--secret", "app-secret", "read-only")
        self.assertEqual(cred["secret"], "app-secret")
        env = {k: v for k, v in self.cluster.env.items()
               if k not in ("OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME",
                            "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME")}
        env.update(OS_AUTH_TYPE="v3applicationcredential", OS_APPLICATION_CREDENTIAL_ID=cred["id"],
                   OS_APPLICATION_CREDENTIAL_SECRET="app-secret")

        def as_credential(*args):
            return subprocess.run(["openstack", *args], capture_output=True, text=True,
                                  env=dict(os.environ, **env), timeout=120)

        issued = as_credential("token", "issue", "-f", "json")
        self.assertEqual(issued.returncode, 0, issued.stderr)
        token = json.loads(issued.stdout)["id"]
        body = self.cluster.request("GET", "/identity/v3/auth/tokens", token=token,
                                    headers={"X-Subject-Token": token}).json()["token"]
        self.assertEqual([r["name"] for r in body["roles"]], ["reader"])  # its roles, not the admin's
        self.assertEqual(body["application_credential"]["id"], cred["id"])
        denied = as_credential("project", "create", "not-with-a-reader-credential")
        self.assertIn("403", denied.stderr)
        self.osc("application", "credential", "delete", "read-only")
        self.assertNotEqual(as_credential("token", "issue").returncode, 0)
        # Its tokens end with it, even the one the gateway had cached.
        self.assertEqual(self.cluster.request("GET", "/identity/v3/auth/projects", token=token).status, 401)


if __name__ == "__main__":
    main()
