"""Acceptance: networks, subnets and ports with the real `openstack` CLI
against a cluster the launcher started: network create/show/list/set/
delete (with provider attributes as admin), subnet create (pools, DNS,
gateway) and list, port create/list/show/set/delete, the errors the
CLI shows for an address already in use and an overlapping subnet, and
(as root, where the agents can build devices) a server booted onto a
network with `server create --network`, its address on the subnet, and
its port released by `server delete`, a security group added to and
removed from it (`server add/remove security group`), a floating IP on
it through a router (`server add/remove floating ip`, shown in its
addresses once its router's host realised it); security groups and rules (a
port in a group, the group in use until the port goes); subnet pools
(subnets carved from a pool in order, --prefix-length, the pool in use
until its subnets go, list/show/set)."""

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
        # Nova's security-group actions: the server's port follows. (This
        # CLI looks the group up through Nova's proxy, which takes ids only.)
        group = self.osc_json("security", "group", "create", "sg-cli")["id"]
        self.osc("server", "add", "security", "group", "vm-net", group)
        self.assertIn(group, self.osc_json("port", "show", ports[0]["ID"])["security_group_ids"])
        self.osc("server", "remove", "security", "group", "vm-net", group)
        self.assertNotIn(group, self.osc_json("port", "show", ports[0]["ID"])["security_group_ids"])
        self.osc("security", "group", "delete", group)

        # A floating IP through a router to an external network.
        self.osc("network", "create", "--external", "--provider-network-type", "flat",
                 "--provider-physical-network", "physnet1", "ext-s")
        self.osc("subnet", "create", "--no-dhcp", "--subnet-range", "198.18.0.0/24",
                 "--gateway", "198.18.0.1", "--network", "ext-s", "ext-s-sub")
        self.osc("router", "create", "r-s")
        self.osc("router", "add", "subnet", "r-s", "sub-s")
        self.osc("router", "set", "--external-gateway", "ext-s", "r-s")
        fip = self.osc_json("floating", "ip", "create", "ext-s")
        address = fip["floating_ip_address"]
        self.osc("server", "add", "floating", "ip", "vm-net", address)
        associated = self.osc_json("floating", "ip", "show", address)
        self.assertEqual(associated["port_id"], ports[0]["ID"])
        # The router's host realises it, then Nova lists it beside the fixed address.
        self.assertTrue(wait_until(lambda: self.osc_json(
            "floating", "ip", "show", address)["status"] == "ACTIVE", 15, 0.5))
        self.assertIn(address, str(self.osc_json("server", "show", "vm-net")["addresses"]))
        self.osc("server", "remove", "floating", "ip", "vm-net", address)
        self.assertFalse(self.osc_json("floating", "ip", "show", address)["port_id"])
        self.assertNotIn(address, str(self.osc_json("server", "show", "vm-net")["addresses"]))
        self.osc("floating", "ip", "delete", address)
        self.osc("router", "remove", "subnet", "r-s", "sub-s")
        self.osc("router", "delete", "r-s")
        self.osc("network", "delete", "ext-s")

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

    def test_subnet_pools(self):
        pool = self.osc_json("subnet", "pool", "create", "--pool-prefix", "10.50.0.0/16",
                             "--default-prefix-length", "24", "pool1")
        self.assertEqual(pool["prefixes"], ["10.50.0.0/16"])
        self.assertEqual((str(pool["default_prefixlen"]), pool["ip_version"]), ("24", 4))
        self.osc("network", "create", "net-pool")
        first = self.osc_json("subnet", "create", "--subnet-pool", "pool1", "--network",
                              "net-pool", "s1")
        self.assertEqual((first["cidr"], first["subnetpool_id"]), ("10.50.0.0/24", pool["id"]))
        second = self.osc_json("subnet", "create", "--subnet-pool", "pool1", "--network",
                               "net-pool", "s2")
        self.assertEqual(second["cidr"], "10.50.1.0/24")
        small = self.osc_json("subnet", "create", "--subnet-pool", "pool1", "--prefix-length",
                              "26", "--network", "net-pool", "s3")
        self.assertEqual(small["cidr"], "10.50.2.0/26")

        in_use = self.osc("subnet", "pool", "delete", "pool1", check=False)
        self.assertNotEqual(in_use.returncode, 0)
        self.assertIn("Subnet pool has existing allocations", in_use.stderr)

        listed = self.osc_json("subnet", "pool", "list")
        self.assertIn("pool1", [p["Name"] for p in listed])
        self.osc("subnet", "pool", "set", "--name", "pool2", "--pool-prefix", "10.60.0.0/16",
                 "--description", "two prefixes", "pool1")
        shown = self.osc_json("subnet", "pool", "show", "pool2")
        self.assertEqual(sorted(shown["prefixes"]), ["10.50.0.0/16", "10.60.0.0/16"])
        self.assertEqual(shown["description"], "two prefixes")

        self.osc("subnet", "delete", "s1", "s2", "s3")
        self.osc("subnet", "pool", "delete", "pool2")
        self.assertNotIn("pool2", [p["Name"] for p in self.osc_json("subnet", "pool", "list")])
        self.osc("network", "delete", "net-pool")

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


    def test_routers_and_floating_ips(self):
        ext = self.osc_json("network", "create", "--external", "--provider-network-type", "flat",
                            "--provider-physical-network", "physnet1", "ext")
        self.assertTrue(ext["router:external"])
        self.osc("subnet", "create", "--no-dhcp", "--subnet-range", "203.0.113.0/24",
                 "--allocation-pool", "start=203.0.113.100,end=203.0.113.200",
                 "--gateway", "203.0.113.1", "--network", "ext", "ext-sub")
        self.osc("network", "create", "net-r")
        self.osc("subnet", "create", "--network", "net-r", "--subnet-range", "10.30.0.0/24",
                 "sub-r")
        router = self.osc_json("router", "create", "r1")
        self.assertEqual(router["status"], "ACTIVE")
        self.assertFalse(router["external_gateway_info"])

        self.osc("router", "add", "subnet", "r1", "sub-r")
        self.osc("router", "set", "--external-gateway", "ext", "r1")
        shown = self.osc_json("router", "show", "r1")
        gateway = shown["external_gateway_info"]
        self.assertEqual((gateway["network_id"], gateway["enable_snat"]), (ext["id"], True))
        self.assertEqual([ip["ip_address"] for ip in gateway["external_fixed_ips"]],
                         ["203.0.113.100"])
        self.assertEqual([i["ip_address"] for i in shown["interfaces_info"]], ["10.30.0.1"])

        fip = self.osc_json("floating", "ip", "create", "ext")
        self.assertEqual((fip["floating_ip_address"], fip["status"]), ("203.0.113.101", "DOWN"))
        self.assertFalse(fip["port_id"])
        port = self.osc_json("port", "create", "--network", "net-r", "port-r")
        self.osc("floating", "ip", "set", "--port", "port-r", fip["id"])
        associated = self.osc_json("floating", "ip", "show", fip["id"])
        self.assertEqual((associated["port_id"], associated["router_id"]),
                         (port["id"], router["id"]))
        self.assertEqual(associated["fixed_ip_address"], port["fixed_ips"][0]["ip_address"])

        # The floating IP needs the interface; the interface keeps the router.
        needed = self.osc("router", "remove", "subnet", "r1", "sub-r", check=False)
        self.assertNotEqual(needed.returncode, 0)
        self.assertIn("required by one or more floating IPs", needed.stderr)
        self.osc("floating", "ip", "unset", "--port", fip["id"])
        self.assertFalse(self.osc_json("floating", "ip", "show", fip["id"])["port_id"])
        in_use = self.osc("router", "delete", "r1", check=False)
        self.assertNotEqual(in_use.returncode, 0)
        self.assertIn(f"Router {router['id']} still has ports", in_use.stderr)

        self.osc("router", "remove", "subnet", "r1", "sub-r")
        self.assertEqual(self.osc_json("router", "show", "r1")["interfaces_info"], [])
        self.osc("floating", "ip", "delete", fip["id"])
        self.osc("router", "delete", "r1")
        self.osc("port", "delete", "port-r")
        self.osc("network", "delete", "net-r", "ext")


if __name__ == "__main__":
    main()
