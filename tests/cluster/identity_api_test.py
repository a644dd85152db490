"""The Keystone v3 API over HTTP, against a cluster the launcher started:
discovery, tokens, every resource, isolation between projects, bad input.
https://docs.openstack.org/api-ref/identity/v3/"""

import os
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import BIN_DIR, Cluster, wait_until  # noqa: E402

V3 = "/identity/v3"


class IdentityApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster({"identity": {"password_cost": "4"}}).__enter__()
        cls.admin = cls.c.admin_token()

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def call(self, method, path, body=None, token="admin", **kw):
        return self.c.request(method, V3 + path, token=self.admin if token == "admin" else token,
                              body=body, **kw)

    def create(self, collection, member, attrs):
        r = self.call("POST", "/" + collection, {member: attrs})
        self.assertEqual(r.status, 201, r)
        return r.json()[member]

    def assertKeystoneError(self, r, status):
        self.assertEqual(r.status, status, r)
        err = r.json()["error"]
        self.assertEqual(err["code"], status)
        self.assertTrue(err["title"] and err["message"], err)

    # -- discovery ---------------------------------------------------------------

    def test_version_documents(self):
        r = self.c.request("GET", "/identity")
        self.assertEqual(r.status, 300)
        values = r.json()["versions"]["values"]
        self.assertEqual(values[0]["status"], "stable")
        self.assertTrue(values[0]["links"][0]["href"].endswith("/identity/v3/"))
        r = self.c.request("GET", V3)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["version"]["id"], "v3.14")
        self.assertEqual(self.c.request("GET", "/image").status, 300)
        self.assertEqual(self.c.request("GET", "/compute/v2.1").json()["version"]["min_version"], "2.1")
        self.assertEqual(self.c.request("GET", "/network").status, 200)
        self.assertEqual(self.c.request("GET", "/placement").status, 200)

    def test_every_response_carries_a_request_id(self):
        for r in (self.c.request("GET", V3), self.call("GET", "/projects"),
                  self.call("GET", "/nothing"), self.call("GET", "/projects", token="bad")):
            self.assertRegex(r.headers["x-openstack-request-id"],
                             r"^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

    # -- tokens ------------------------------------------------------------------

    def test_token_validate_check_revoke(self):
        token, body = self.c.token(self.c.env["OS_USERNAME"], self.c.env["OS_PASSWORD"], "admin")
        for field in ("expires_at", "issued_at", "methods", "user", "project", "roles", "catalog",
                      "audit_ids"):
            self.assertIn(field, body["token"])
        r = self.call("GET", "/auth/tokens", headers={"X-Subject-Token": token})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["X-Subject-Token"], token)
        self.assertEqual(r.json()["token"]["project"]["name"], "admin")
        r = self.call("GET", "/auth/tokens?nocatalog", headers={"X-Subject-Token": token})
        self.assertNotIn("catalog", r.json()["token"])
        self.assertEqual(self.call("HEAD", "/auth/tokens", headers={"X-Subject-Token": token}).status, 200)
        self.assertEqual(self.call("DELETE", "/auth/tokens", headers={"X-Subject-Token": token}).status, 204)
        self.assertKeystoneError(self.call("GET", "/auth/tokens", headers={"X-Subject-Token": token}), 404)
        self.assertKeystoneError(self.call("GET", "/auth/projects", token=token), 401)

    def test_scopes(self):
        pw = (self.c.env["OS_USERNAME"], self.c.env["OS_PASSWORD"])
        _, system = self.c.token(*pw, scope={"system": {"all": True}})
        self.assertEqual(system["token"]["system"], {"all": True})
        self.call("PUT", "/domains/default/users/%s/roles/%s" % (
            system["token"]["user"]["id"], self.role_id("admin")))
        _, domain = self.c.token(*pw, scope={"domain": {"id": "default"}})
        self.assertEqual(domain["token"]["domain"]["id"], "default")
        r = self.c.request("POST", V3 + "/auth/tokens", body={"auth": {"identity": {
            "methods": ["password"], "password": {"user": {"name": pw[0], "domain": {"id": "default"},
                                                           "password": pw[1]}}},
            "scope": {"project": {"name": "no-such-project", "domain": {"id": "default"}}}}})
        self.assertKeystoneError(r, 401)

    def test_catalog_and_my_projects(self):
        catalog = self.call("GET", "/auth/catalog").json()["catalog"]
        self.assertEqual({s["type"] for s in catalog}, {"identity", "image", "compute", "network", "placement"})
        for service in catalog:
            self.assertEqual({e["interface"] for e in service["endpoints"]}, {"public", "internal", "admin"})
        names = [p["name"] for p in self.call("GET", "/auth/projects").json()["projects"]]
        self.assertEqual(names, ["admin"])
        self.assertEqual(self.call("GET", "/auth/system").json()["system"], [{"all": True}])

    # -- resources ---------------------------------------------------------------

    def role_id(self, name):
        roles = self.call("GET", "/roles?name=" + name).json()["roles"]
        self.assertEqual(len(roles), 1, roles)
        return roles[0]["id"]

    def test_crud_of_every_plain_resource(self):
        cases = [
            ("domains", "domain", {"name": "crud-domain"}, {"description": "changed"}),
            ("groups", "group", {"name": "crud-group"}, {"description": "changed"}),
            ("roles", "role", {"name": "crud-role"}, {"description": "changed"}),
            ("regions", "region", {"id": "crud-region"}, {"description": "changed"}),
            ("services", "service", {"type": "crud", "name": "crudsvc"}, {"description": "changed"}),
            ("policies", "policy", {"type": "application/json", "blob": "{}"}, {"blob": "{\"a\": 1}"}),
        ]
        for collection, member, attrs, change in cases:
            with self.subTest(collection):
                created = self.create(collection, member, attrs)
                self.assertTrue(created["links"]["self"].endswith(f"/{collection}/{created['id']}"))
                item = f"/{collection}/{created['id']}"
                self.assertEqual(self.call("GET", item).json()[member]["id"], created["id"])
                patched = self.call("PATCH", item, {member: change})
                self.assertEqual(patched.status, 200, patched)
                for k, v in change.items():
                    self.assertEqual(patched.json()[member][k], v)
                ids = [x["id"] for x in self.call("GET", "/" + collection).json()[collection]]
                self.assertIn(created["id"], ids)
                if member == "domain":  # an enabled domain cannot be deleted
                    self.assertKeystoneError(self.call("DELETE", item), 403)
                    self.call("PATCH", item, {"domain": {"enabled": False}})
                self.assertEqual(self.call("DELETE", item).status, 204)
                self.assertKeystoneError(self.call("GET", item), 404)

    def test_endpoints_and_credentials_check_their_references(self):
        service = self.create("services", "service", {"type": "refs"})
        r = self.call("POST", "/endpoints", {"endpoint": {"service_id": service["id"], "interface": "sideways",
                                                          "url": "http://x"}})
        self.assertKeystoneError(r, 400)
        endpoint = self.create("endpoints", "endpoint", {"service_id": service["id"], "interface": "public",
                                                         "url": "http://x", "region_id": "RegionOne"})
        self.assertEqual(endpoint["region"], "RegionOne")
        listed = self.call("GET", "/endpoints?service_id=" + service["id"]).json()["endpoints"]
        self.assertEqual([e["id"] for e in listed], [endpoint["id"]])
        self.assertKeystoneError(self.call("POST", "/credentials", {"credential": {
            "user_id": "nobody", "type": "ec2", "blob": "{}"}}), 400)
        self.call("DELETE", "/services/" + service["id"])
        self.assertKeystoneError(self.call("GET", "/endpoints/" + endpoint["id"]), 404)  # went with it

    def test_project_tags(self):
        project = self.create("projects", "project", {"name": "tagged", "tags": ["a"]})
        base = f"/projects/{project['id']}/tags"
        self.assertEqual(self.call("PUT", base + "/b").status, 201)
        self.assertEqual(self.call("GET", base).json()["tags"], ["a", "b"])
        self.assertEqual(self.call("GET", base + "/b").status, 204)
        self.assertKeystoneError(self.call("GET", base + "/zzz"), 404)
        self.assertKeystoneError(self.call("PUT", base, {"tags": ["ok", "no/slash"]}), 400)
        ids = [p["id"] for p in self.call("GET", "/projects?tags=a,b").json()["projects"]]
        self.assertEqual(ids, [project["id"]])
        self.assertEqual(self.call("GET", "/projects?tags-any=zzz").json()["projects"], [])
        self.assertNotIn(project["id"], [p["id"] for p in self.call("GET", "/projects?not-tags-any=b").json()["projects"]])
        self.assertEqual(self.call("DELETE", base).status, 204)
        self.assertEqual(self.call("GET", "/projects/" + project["id"]).json()["project"]["tags"], [])

    def test_duplicate_names_conflict(self):
        self.create("projects", "project", {"name": "twin"})
        self.assertKeystoneError(self.call("POST", "/projects", {"project": {"name": "twin"}}), 409)

    def test_groups_and_effective_assignments(self):
        project = self.create("projects", "project", {"name": "grp-proj"})
        user = self.create("users", "user", {"name": "grp-user", "password": "pw-g"})
        group = self.create("groups", "group", {"name": "grp"})
        self.assertEqual(self.call("PUT", f"/groups/{group['id']}/users/{user['id']}").status, 204)
        self.assertEqual(self.call("HEAD", f"/groups/{group['id']}/users/{user['id']}").status, 204)
        member = self.role_id("member")
        self.assertEqual(self.call("PUT", f"/projects/{project['id']}/groups/{group['id']}/roles/{member}").status, 204)
        effective = self.call("GET", f"/role_assignments?effective&user.id={user['id']}").json()["role_assignments"]
        roles = {a["role"]["id"] for a in effective if a["scope"]["project"]["id"] == project["id"]}
        self.assertEqual(roles, {member, self.role_id("reader")})  # member implies reader
        _, body = self.c.token("grp-user", "pw-g", "grp-proj")
        self.assertEqual({r["name"] for r in body["token"]["roles"]}, {"member", "reader"})
        self.assertEqual(self.call("DELETE", f"/groups/{group['id']}/users/{user['id']}").status, 204)
        r = self.c.request("POST", V3 + "/auth/tokens", body={"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"id": user["id"], "password": "pw-g"}}},
            "scope": {"project": {"id": project["id"]}}}})
        self.assertKeystoneError(r, 401)

    def test_implied_roles(self):
        prior = self.create("roles", "role", {"name": "prior"})
        implied = self.create("roles", "role", {"name": "implied"})
        r = self.call("PUT", f"/roles/{prior['id']}/implies/{implied['id']}")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["role_inference"]["implies"]["id"], implied["id"])
        listed = self.call("GET", f"/roles/{prior['id']}/implies").json()["role_inference"]["implies"]
        self.assertEqual([x["id"] for x in listed], [implied["id"]])
        self.assertEqual(self.call("DELETE", f"/roles/{prior['id']}/implies/{implied['id']}").status, 204)

    def test_password_change_ends_old_tokens(self):
        self.create("users", "user", {"name": "pw-user", "password": "old-pw"})
        token, body = self.c.token("pw-user", "old-pw")
        user_id = body["token"]["user"]["id"]
        r = self.call("POST", f"/users/{user_id}/password",
                      {"user": {"original_password": "wrong", "password": "new-pw"}}, token=token)
        self.assertKeystoneError(r, 401)
        r = self.call("POST", f"/users/{user_id}/password",
                      {"user": {"original_password": "old-pw", "password": "new-pw"}}, token=token)
        self.assertEqual(r.status, 204, r)
        self.assertKeystoneError(self.call("GET", "/auth/projects", token=token), 401)
        self.c.token("pw-user", "new-pw")

    def test_application_credentials_and_trusts(self):
        user_id = self.call("GET", "/auth/tokens", headers={"X-Subject-Token": self.admin}).json()["token"]["user"]["id"]
        r = self.call("POST", f"/users/{user_id}/application_credentials", {"application_credential": {"name": "ci"}})
        self.assertEqual(r.status, 201, r)
        cred = r.json()["application_credential"]
        self.assertTrue(cred["secret"])
        shown = self.call("GET", f"/users/{user_id}/application_credentials/{cred['id']}").json()
        self.assertNotIn("secret", shown["application_credential"])
        self.assertEqual(self.call("DELETE", f"/users/{user_id}/application_credentials/{cred['id']}").status, 204)
        self.assertEqual(self.call("GET", "/OS-TRUST/trusts").json()["trusts"], [])

    # -- isolation ---------------------------------------------------------------

    def test_members_and_readers_stay_in_their_place(self):
        a = self.create("projects", "project", {"name": "iso-a"})
        b = self.create("projects", "project", {"name": "iso-b"})
        self.create("users", "user", {"name": "iso-member", "password": "pw-m"})
        self.create("users", "user", {"name": "iso-reader", "password": "pw-r"})
        users = {u["name"]: u["id"] for u in self.call("GET", "/users").json()["users"]}
        self.call("PUT", f"/projects/{a['id']}/users/{users['iso-member']}/roles/{self.role_id('member')}")
        self.call("PUT", f"/projects/{a['id']}/users/{users['iso-reader']}/roles/{self.role_id('reader')}")
        member, _ = self.c.token("iso-member", "pw-m", "iso-a")
        reader, _ = self.c.token("iso-reader", "pw-r", "iso-a")
        self.assertEqual(self.call("GET", f"/projects/{a['id']}", token=member).status, 200)
        for method, body in (("GET", None), ("PATCH", {"project": {"description": "x"}}), ("DELETE", None)):
            self.assertKeystoneError(self.call(method, f"/projects/{b['id']}", body, token=member), 403)
        self.assertKeystoneError(self.call("GET", "/projects", token=member), 403)
        self.assertKeystoneError(self.call("GET", "/users", token=member), 403)
        self.assertKeystoneError(self.call("GET", f"/users/{users['iso-reader']}", token=member), 403)
        self.assertEqual(self.call("GET", f"/users/{users['iso-member']}", token=member).status, 200)
        self.assertKeystoneError(self.call("POST", "/projects", {"project": {"name": "r"}}, token=reader), 403)
        self.assertKeystoneError(self.call("PATCH", f"/projects/{a['id']}", {"project": {"name": "r"}},
                                           token=reader), 403)
        self.assertKeystoneError(self.call("PUT", f"/projects/{a['id']}/users/{users['iso-reader']}/roles/"
                                                  f"{self.role_id('admin')}", token=reader), 403)
        # Removing the member's role ends its tokens on that project.
        self.call("DELETE", f"/projects/{a['id']}/users/{users['iso-member']}/roles/{self.role_id('member')}")
        self.assertKeystoneError(self.call("GET", f"/projects/{a['id']}", token=member), 401)

    # -- bad input ---------------------------------------------------------------

    def test_malformed_requests_get_keystone_errors(self):
        headers = {"Content-Type": "application/json"}
        self.assertKeystoneError(self.call("POST", "/projects", raw=b'{"project": {"name": ', headers=headers), 400)
        self.assertKeystoneError(self.call("POST", "/projects", raw=b'{"project": 7}', headers=headers), 400)
        self.assertKeystoneError(self.call("POST", "/projects", raw=b'{"project": {"name": 7}}', headers=headers), 400)
        self.assertKeystoneError(self.call("POST", "/projects", raw=b'{"project": {"name": "ct"}}',
                                           headers={"Content-Type": "text/plain"}), 400)
        self.assertKeystoneError(self.call("POST", "/projects", raw=b'[' * 200000, headers=headers), 413)
        self.assertKeystoneError(self.c.request("POST", V3 + "/auth/tokens", raw=b"\xff\xfe", headers=headers), 400)
        self.assertKeystoneError(self.c.request("POST", V3 + "/auth/tokens", body={"auth": {"identity": {
            "methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"},
                                                           "password": "wrong"}}}}}), 401)

    def test_bad_tokens_paths_and_methods(self):
        self.assertKeystoneError(self.call("GET", "/projects", token=None), 401)
        for bad in ("garbage", "gAAAAA" + "A" * 200, self.admin[:-4] + "AAAA", "x" * 5000):
            self.assertKeystoneError(self.call("GET", "/projects", token=bad), 401)
        self.assertKeystoneError(self.call("GET", "/no/such/thing"), 404)
        self.assertKeystoneError(self.c.request("GET", "/nowhere"), 404)
        r = self.call("PUT", "/projects")
        self.assertKeystoneError(r, 405)
        self.assertEqual(set(r.headers["Allow"].split(", ")), {"GET", "POST"})
        self.assertKeystoneError(self.call("OPTIONS", "/projects"), 405)
        self.assertKeystoneError(self.call("BREW", "/projects"), 405)  # a method nobody knows

    def test_the_gateway_survives_what_it_cannot_parse(self):
        host, port = self.c.base[len("http://"):].split(":")
        for garbage in (b"BREW /identity/v3 HTTP/1.1\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                        b"GET /identity/v3 HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"):
            with socket.create_connection((host, int(port)), timeout=5) as s:
                s.sendall(garbage)
                try:
                    s.recv(4096)
                except OSError:
                    pass
        self.assertEqual(self.c.request("GET", V3).status, 200)

    def launch(self, *args):
        out = subprocess.run([os.path.join(BIN_DIR, "stratus-launch"), *args, "--state-dir", self.c.state],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return out.stdout

    def test_a_restart_keeps_records_and_tokens(self):
        project = self.create("projects", "project", {"name": "durable"})
        self.launch("down")
        self.launch("up")
        r = self.call("GET", "/projects/" + project["id"])  # the old token, checked with the keys on disk
        self.assertEqual(r.status, 200, r)

    def test_key_rotation_retires_old_tokens(self):
        pw = (self.c.env["OS_USERNAME"], self.c.env["OS_PASSWORD"], "admin")
        first, _ = self.c.token(*pw)
        self.assertIn("keys rotated, 3 active", self.launch("fernet-rotate"))
        second, _ = self.c.token(*pw)  # signed with the new primary
        for token in (first, second):
            self.assertEqual(self.call("GET", "/auth/tokens", headers={"X-Subject-Token": token}).status, 200)
        self.launch("fernet-rotate")
        # The key that signed `first` is gone now (3 keys live: staged, primary, one secondary).
        self.assertKeystoneError(self.call("GET", "/auth/tokens", headers={"X-Subject-Token": first}), 404)
        self.assertEqual(self.call("GET", "/auth/tokens", headers={"X-Subject-Token": second}).status, 200)
        self.admin = self.c.admin_token()
        type(self).admin = self.admin


class ExpiringTokens(unittest.TestCase):
    def test_expired_tokens_are_refused(self):
        with Cluster({"identity": {"password_cost": "4", "token_ttl_seconds": "2"}}) as c:
            token = c.admin_token()
            self.assertEqual(c.request("GET", V3 + "/auth/projects", token=token).status, 200)
            self.assertTrue(wait_until(lambda: c.request("GET", V3 + "/auth/projects", token=token).status == 401,
                                       timeout=10))


class PolicyFile(unittest.TestCase):
    def test_an_operator_file_overrides_the_defaults(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write('# members may list every project here\n"identity:list_projects": "role:member"\n')
        try:
            with Cluster({"identity": {"password_cost": "4"}, "gateway": {"policy_file": f.name}}) as c:
                admin = c.admin_token()
                reader_role = c.request("GET", V3 + "/roles?name=reader", token=admin).json()["roles"][0]["id"]
                project = c.request("POST", V3 + "/projects", token=admin, body={"project": {"name": "p"}}).json()["project"]
                user = c.request("POST", V3 + "/users", token=admin,
                                 body={"user": {"name": "r", "password": "pw-r"}}).json()["user"]
                c.request("PUT", V3 + f"/projects/{project['id']}/users/{user['id']}/roles/{reader_role}", token=admin)
                reader, _ = c.token("r", "pw-r", "p")
                self.assertEqual(c.request("GET", V3 + "/projects", token=reader).status, 403)  # a reader only
                member = c.request("GET", V3 + "/roles?name=member", token=admin).json()["roles"][0]["id"]
                c.request("PUT", V3 + f"/projects/{project['id']}/users/{user['id']}/roles/{member}", token=admin)
                reader, _ = c.token("r", "pw-r", "p")
                self.assertEqual(c.request("GET", V3 + "/projects", token=reader).status, 200)
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
