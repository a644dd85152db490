"""End to end as root on user-mode Linux hosts: VLAN and GRE networks need
kernel devices this machine's kernel may lack (802.1Q, gretap), so the two
compute nodes run in user-mode Linux kernels of their own (host_kind =
"uml"), joined by the launcher's underlay (GRE) and provider (VLAN)
bridges. A server on each node of one network: the network's single DHCP
server runs on the first node, so the second server only gets its address
— and only becomes ACTIVE — if its DHCP request crosses to the other host
through the VLAN sub-interfaces or the gretap mesh. Skipped (with the
reason) when not root or without /usr/bin/linux.uml."""

import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

SKIP = 77
NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
SETTINGS = {"identity": {"password_cost": "4"},
            "network-agent": {"resync_interval_ms": "300", "report_interval": "1"}}


class NetworkOnUmlHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=2, network_agents=True,
                              compute_host_kind="uml").__enter__()
        cls.token = cls.cluster.admin_token()
        cls.flavor, cls.image = cls.cluster.tiny_flavor_and_image(cls.token)
        cls.cluster.wait_compute_nodes_up(cls.token, 2, agents=True)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def api(self, method, path, body=None, expect=None):
        r = self.cluster.request(method, "/network/v2.0" + path, self.token, body)
        if expect is not None:
            self.assertEqual(r.status, expect, r.body)
        return r.json() if r.body else None

    def nova(self, method, path, body=None):
        return self.cluster.request(method, NOVA + path, self.token, body, headers=LATEST)

    def boot(self, name, network, host):
        r = self.nova("POST", "/servers", {"server": {
            "name": name, "imageRef": self.image, "flavorRef": self.flavor,
            "networks": [{"uuid": network["id"]}], "availability_zone": "nova:" + host}})
        self.assertEqual(r.status, 202, r)
        sid = r.json()["server"]["id"]
        self.assertTrue(wait_until(lambda: self.nova("GET", f"/servers/{sid}").json()["server"][
            "status"] in ("ACTIVE", "ERROR"), 90, 0.3))
        server = self.nova("GET", f"/servers/{sid}").json()["server"]
        self.assertEqual(server["status"], "ACTIVE", server.get("fault"))
        return server

    def check_network(self, name, cidr, **provider):
        body = {"name": name}
        body.update({"provider:" + k: v for k, v in provider.items()})
        net = self.api("POST", "/networks", {"network": body}, 201)["network"]
        self.api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": cidr,
                                                 "ip_version": 4}}, 201)
        first = self.boot(name + "-1", net, "cmp-1")
        second = self.boot(name + "-2", net, "cmp-2")  # leased across the hosts
        dhcp = self.api("GET", f"/ports?network_id={net['id']}&device_owner=network:dhcp")["ports"]
        self.assertEqual([p["binding:host_id"] for p in dhcp], ["cmp-1"])
        ports = self.api("GET", f"/ports?device_id={second['id']}")["ports"]
        self.assertTrue(wait_until(lambda: self.api(
            "GET", f"/ports/{ports[0]['id']}")["port"]["status"] == "ACTIVE", 15, 0.2))
        for s in (first, second):
            self.assertEqual(self.nova("DELETE", f"/servers/{s['id']}").status, 204)
        for s in (first, second):
            self.assertTrue(wait_until(
                lambda: self.nova("GET", f"/servers/{s['id']}").status == 404, 30, 0.2))
        self.assertTrue(wait_until(lambda: not self.api(
            "GET", f"/ports?network_id={net['id']}")["ports"], 15, 0.2))
        self.api("DELETE", "/networks/" + net["id"], expect=204)

    def test_agents_report_vlan_and_gretap(self):
        self.assertTrue(wait_until(lambda: len(
            [a for a in self.api("GET", "/agents")["agents"] if a["alive"]]) == 2, 60, 0.3))
        for a in self.api("GET", "/agents")["agents"]:
            self.assertIn("vlan", a["configurations"]["device_kinds"])
            self.assertIn("gretap", a["configurations"]["device_kinds"])

    def test_vlan_network_across_hosts(self):
        self.test_agents_report_vlan_and_gretap()
        self.check_network("vlan-net", "10.11.0.0/24", network_type="vlan",
                           physical_network="physnet1", segmentation_id=1234)

    def test_gre_network_across_hosts(self):
        self.test_agents_report_vlan_and_gretap()
        self.check_network("gre-net", "10.12.0.0/24", network_type="gre", segmentation_id=77)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root for user-mode Linux hosts and kernel devices")
        sys.exit(SKIP)
    if not shutil.which("linux.uml") and not os.path.exists("/usr/bin/linux.uml"):
        print("SKIP: /usr/bin/linux.uml is missing (apt-get install user-mode-linux)")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
