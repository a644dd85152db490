"""Acceptance: networks, subnets and ports with the real `openstack` CLI
against a cluster the launcher started: network create/show/list/set/
delete (with provider attributes as admin), subnet create (pools, DNS,
gateway) and list, port create/list/show/set/delete, the errors the
CLI shows for an address already in use and an overlapping subnet, and
(as root, where the agents can build devices) a server booted onto a
network with `server create --network`, its address on the subnet, and
its port released by `server delete`; security groups and rules (a
port in a group, the group in use until the port goes)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from openstack_cli import CliTestCase, main  # noqa: E402
from stratus_cluster import Cluster, wait_until  # noqa: E402

SETTINGS = {"identity": {"password_cost": "4"},
            "network-agent": {"resync_interval_ms": "300", "report_interval": "1"}}


class NetworkCli(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=2, network_agents=True).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def test_networks_subnets_and_ports(self):
        net = self.osc_json("network", "create", "--description", "tenant net", "net-1")
        self.assertEqual((net["name"], net["status"], net["mtu"]), ("net-1", "ACTIVE", 1450))
        self.assertEqual(net["provider:network_type"], "vxlan")  # admin sees provider attributes
        self.assertIn("net-1", [n["Name"] for n in self.osc_json("network", "list")])

        subnet = self.osc_json("subnet", "create", "--network", "net-1", "--subnet-range",
                               "10.20.0.0/24", "--allocation-pool",
                               "start=10.20.0.10,end=10.20.0.20", "--dns-nameserver", "192.0.2.53",
                               "sub-1")
        self.assertEqual((subnet["cidr"], subnet["gateway_ip"], subnet["ip_version"]),
                         ("10.20.0.0/24", "10.20.0.1", 4))
        self.assertEqual(subnet["allocation_pools"], [{"start": "10.20.0.10", "end": "10.20.0.20"}])
        listed = self.osc_json("subnet", "list", "--network", "net-1")
        self.assertEqual([s["Name"] for s in listed], ["sub-1"])

        port = self.osc_json("port", "create", "--network", "net-1", "port-1")
        self.assertEqual(port["status"], "DOWN")
        self.assertEqual([ip["ip_address"] for ip in port["fixed_ips"]], ["10.20.0.10"])
        fixed = self.osc_json("port", "create", "--network", "net-1", "--fixed-ip",
                              "subnet=sub-1,ip-address=10.20.0.15", "port-2")
        self.assertEqual([ip["ip_address"] for ip in fixed["fixed_ips"]], ["10.20.0.15"])
        ports = self.osc_json("port", "list", "--network", "net-1")
        self.assertEqual(sorted(p["Name"] for p in ports), ["port-1", "port-2"])
        shown = self.osc_json("port", "show", "port-1")
        self.assertEqual(shown["mac_address"][:9], "fa:16:3e:")
        self.osc("port", "set", "--name", "port-1b", "port-1")
        self.assertEqual(self.osc_json("port", "show", "port-1b")["name"], "port-1b")

        taken = self.osc("port", "create", "--network", "net-1", "--fixed-ip",
                         "subnet=sub-1,ip-address=10.20.0.15", "port-3", check=False)
        self.assertNotEqual(taken.returncode, 0)
        self.assertIn("already allocated", taken.stderr)
        overlap = self.osc("subnet", "create", "--network", "net-1", "--subnet-range",
                           "10.20.0.128/25", "sub-2", check=False)
        self.assertNotEqual(overlap.returncode, 0)
        self.assertIn("overlaps with another subnet", overlap.stderr)
        in_use = self.osc("network", "delete", "net-1", check=False)
        self.assertNotEqual(in_use.returncode, 0)

        self.osc("port", "delete", "port-1b", "port-2")
        self.assertEqual(self.osc_json("port", "list", "--network", "net-1"), [])
        self.osc("subnet", "delete", "sub-1")
        self.osc("network", "delete", "net-1")
        self.assertNotIn("net-1", [n["Name"] for n in self.osc_json("network", "list")])

    @unittest.skipUnless(os.geteuid() == 0, "needs root: the agents build kernel devices")
    def test_server_on_a_network(self):
        self.cluster.wait_compute_nodes_up(self.cluster.admin_token(), 2, agents=True)
        self.osc("network", "create", "net-s")
        self.osc("subnet", "create", "--network", "net-s", "--subnet-range", "10.40.0.0/24", "sub-s")
        self.osc("flavor", "create", "--vcpus", "1", "--ram", "256", "--disk", "1", "f-net")
        disk = os.path.join(self.cluster.dir, "disk.img")
        with open(disk, "wb") as f:
            f.write(b"\0" * 4096)
        self.osc("image", "create", "--file", disk, "--disk-format", "raw", "--container-format",
                 "bare", "img-net")
        server = self.osc_json("server", "create", "--image", "img-net", "--flavor", "f-net",
                               "--network", "net-s", "--wait", "vm-net")
        self.assertEqual(server["status"], "ACTIVE")
        self.assertIn("10.40.0.", str(server["addresses"]))
        ports = self.osc_json("port", "list", "--server", "vm-net")
        self.assertEqual(len(ports), 1)
        self.osc("server", "delete", "--wait", "vm-net")
        self.assertTrue(wait_until(
            lambda: not self.osc_json("port", "list", "--network", "net-s"), 15, 0.5))
        self.osc("network", "delete", "net-s")

    def test_security_groups_and_rules(self):
        group = self.osc_json("security", "group", "create", "--description", "web servers", "web")
        self.assertEqual(group["name"], "web")
        rule = self.osc_json("security", "group", "rule", "create", "--protocol", "tcp",
                             "--dst-port", "22", "--remote-ip", "192.0.2.0/24", "web")
        self.assertEqual((rule["port_range_min"], rule["port_range_max"]), (22, 22))
        rules = self.osc_json("security", "group", "rule", "list", "web")
        self.assertIn(rule["id"], [r["ID"] for r in rules])
        self.assertEqual(len(rules), 3)  # the two egress rules every group starts with, and ssh
        bad = self.osc("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port",
                       "90:80", "web", check=False)
        self.assertNotEqual(bad.returncode, 0)  # min above max: 400
        self.osc("network", "create", "net-sg")
        self.osc("subnet", "create", "--network", "net-sg", "--subnet-range", "10.45.0.0/24",
                 "sub-sg")
        port = self.osc_json("port", "create", "--network", "net-sg", "--security-group", "web",
                             "port-sg")
        self.assertEqual(port["security_group_ids"], [group["id"]])
        in_use = self.osc("security", "group", "delete", "web", check=False)
        self.assertNotEqual(in_use.returncode, 0)
        self.assertIn("in use", in_use.stderr)
        self.osc("port", "delete", "port-sg")
        self.osc("security", "group", "delete", "web")
        self.osc("network", "delete", "net-sg")

    def test_provider_networks_as_admin(self):
        flat = self.osc_json("network", "create", "--provider-network-type", "flat",
                             "--provider-physical-network", "physnet1", "--share", "flat-1")
        self.assertEqual((flat["provider:network_type"], flat["shared"]), ("flat", True))
        second = self.osc("network", "create", "--provider-network-type", "flat",
                          "--provider-physical-network", "physnet1", "flat-2", check=False)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("Physical network physnet1 is in use", second.stderr)
        vlan = self.osc_json("network", "create", "--provider-network-type", "vlan",
                             "--provider-physical-network", "physnet1", "--provider-segment",
                             "1234", "vlan-1")
        self.assertEqual(vlan["provider:segmentation_id"], 1234)
        out_of_range = self.osc("network", "create", "--provider-network-type", "vlan",
                                "--provider-physical-network", "physnet1",
                                "--provider-segment", "4095", "vlan-2", check=False)
        self.assertNotEqual(out_of_range.returncode, 0)
        self.osc("network", "set", "--name", "vlan-1b", "vlan-1")
        self.osc("network", "delete", "flat-1", "vlan-1b")


if __name__ == "__main__":
    main()
