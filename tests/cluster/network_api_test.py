"""The Networking API over HTTP on a running cluster: racing requests
never share a segment or an address; what a restart brings back (networks,
ports, segments still taken); bad input — malformed JSON, wrong types,
unknown resources, another project's network — gets Neutron's error body
and changes nothing; version documents and the extension list."""

import os
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster  # noqa: E402

SETTINGS = {"identity": {"password_cost": "4"},
            "network-server": {"vni_ranges": "100:139"}}


class NetworkApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS).__enter__()
        cls.token = cls.cluster.admin_token()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def api(self, method, path, body=None, token=None, raw=None):
        return self.cluster.request(method, "/network/v2.0" + path, token or self.token, body,
                                    raw=raw)

    def neutron_error(self, r, status):
        self.assertEqual(r.status, status, r)
        err = r.json()["NeutronError"]
        self.assertEqual(set(err), {"type", "message", "detail"})
        return err

    def test_racing_creates_never_share_a_segment_or_an_address(self):
        with ThreadPoolExecutor(16) as pool:
            made = list(pool.map(lambda i: self.api("POST", "/networks", {
                "network": {"name": f"race-{i}"}}), range(40)))
        self.assertEqual([r.status for r in made], [201] * 40)
        vnis = [r.json()["network"]["provider:segmentation_id"] for r in made]
        self.assertEqual(len(set(vnis)), 40)
        full = self.api("POST", "/networks", {"network": {"name": "one-too-many"}})
        self.assertEqual(self.neutron_error(full, 503)["type"], "NoNetworkAvailable")

        net = made[0].json()["network"]["id"]
        self.api("POST", "/subnets", {"subnet": {"network_id": net, "cidr": "10.1.0.0/24",
                                                 "ip_version": 4}})
        with ThreadPoolExecutor(16) as pool:
            ports = list(pool.map(lambda i: self.api("POST", "/ports", {"port": {
                "network_id": net, "fixed_ips": [{"ip_address": "10.1.0.50"}]}}), range(20)))
        self.assertEqual(sorted(r.status for r in ports), [201] + [409] * 19)
        with ThreadPoolExecutor(16) as pool:
            ports = list(pool.map(lambda i: self.api("POST", "/ports", {"port": {
                "network_id": net}}), range(30)))
        addresses = [r.json()["port"]["fixed_ips"][0]["ip_address"] for r in ports]
        self.assertEqual(len(set(addresses)), 30)

        # A restart brings everything back, segments still taken.
        before = self.api("GET", f"/ports?network_id={net}").json()["ports"]
        os.kill(self.cluster.node_pid("ctl-1"), 9)
        self.cluster.relaunch()
        self.token = self.cluster.admin_token()
        after = self.api("GET", f"/ports?network_id={net}").json()["ports"]
        self.assertEqual(sorted(p["id"] for p in after), sorted(p["id"] for p in before))
        self.assertEqual(self.api("POST", "/networks", {"network": {"name": "x"}}).status, 503)
        for r in made:
            nid = r.json()["network"]["id"]
            for p in self.api("GET", f"/ports?network_id={nid}").json()["ports"]:
                self.api("DELETE", "/ports/" + p["id"])
            self.assertEqual(self.api("DELETE", "/networks/" + nid).status, 204)
        self.assertEqual(self.api("POST", "/networks", {"network": {"name": "y"}}).status, 201)

    def test_bad_input_gets_neutrons_error_and_changes_nothing(self):
        count = len(self.api("GET", "/networks").json()["networks"])
        self.neutron_error(self.api("POST", "/networks", raw=b"{not json"), 400)
        self.neutron_error(self.api("POST", "/networks", {"network": {"admin_state_up": "yes"}}), 400)
        self.neutron_error(self.api("POST", "/networks", {"network": "flat"}), 400)
        self.neutron_error(self.api("POST", "/networks", {"network": {"mtu": 99999}}), 400)
        self.neutron_error(self.api("GET", "/networks/no-such-network"), 404)
        self.neutron_error(self.api("GET", "/ports?limit=-1"), 400)
        self.neutron_error(self.api("POST", "/subnets", {"subnet": {
            "network_id": "missing", "cidr": "10.0.0.0/24", "ip_version": 4}}), 404)
        self.assertEqual(len(self.api("GET", "/networks").json()["networks"]), count)

        # Another project sees neither the network nor its ports.
        self.cluster.request("POST", "/identity/v3/projects", self.token,
                             {"project": {"name": "other", "domain_id": "default"}})
        other_user = self.cluster.request("POST", "/identity/v3/users", self.token, {
            "user": {"name": "other-user", "password": "secret-pass", "domain_id": "default"}})
        uid = other_user.json()["user"]["id"]
        pid = self.cluster.request("GET", "/identity/v3/projects?name=other",
                                   self.token).json()["projects"][0]["id"]
        member = self.cluster.request("GET", "/identity/v3/roles?name=member",
                                      self.token).json()["roles"][0]["id"]
        self.cluster.request("PUT", f"/identity/v3/projects/{pid}/users/{uid}/roles/{member}",
                             self.token)
        theirs = self.cluster.token("other-user", "secret-pass", "other")[0]
        mine = self.api("POST", "/networks", {"network": {"name": "private"}}).json()["network"]
        self.neutron_error(self.api("GET", "/networks/" + mine["id"], token=theirs), 404)
        self.neutron_error(self.api("POST", "/ports", {"port": {"network_id": mine["id"]}},
                                    token=theirs), 404)
        err = self.neutron_error(self.api("POST", "/networks", {"network": {
            "name": "p", "provider:network_type": "vxlan"}}, token=theirs), 403)
        self.assertIn("disallowed by policy", err["message"])
        self.api("DELETE", "/networks/" + mine["id"])

    def test_version_documents_and_extensions(self):
        r = self.cluster.request("GET", "/network/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["versions"][0]["id"], "v2.0")
        aliases = {e["alias"] for e in self.api("GET", "/extensions").json()["extensions"]}
        self.assertTrue({"provider", "binding", "external-net", "quotas", "standard-attr-tag",
                         "port-security", "allowed-address-pairs"} <= aliases)
        self.assertEqual(self.api("GET", "/extensions/provider").json()["extension"]["alias"],
                         "provider")
        resources = {r["collection"] for r in self.api("GET", "").json()["resources"]}
        self.assertEqual(resources, {"networks", "subnets", "ports", "security-groups",
                                     "security-group-rules", "subnetpools", "routers",
                                     "floatingips"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
