"""End to end as root: the network agents on two compute nodes (each in a
network namespace of its own, joined by the launcher's underlay) build
real bridges and VXLAN devices for ports bound to their hosts. Two
"guests" on one network — network namespaces plugged through veth taps,
as a hypervisor plugs a guest's NIC — ping each other across the
underlay; a guest on another network cannot reach them; the ports turn
ACTIVE; a deleted device comes back; deleting the ports leaves no bridge
or VXLAN device behind. Then the same through servers (a capture on the
underlay sees the network's VNI): booted onto a
network on both compute nodes, they get their addresses from the
network's DHCP servers (dnsmasq), reach each other, and their deletion
releases ports, stand-in NICs, DHCP servers and devices; local networks
(one host) and flat ones (the hosts' provider interface) carry traffic
too; a port attached to a running server (os-interface) gets its address
and traffic, and goes at detach; a compute node killed with -9 and
restarted resyncs without losing a packet of a steady ping. Security
groups hold on the hosts: servers in a group without ingress rules cannot
ping each other until an ICMP rule lets them, and cannot again once it is
deleted; a guest sending from another address is dropped; a port without
port security is not filtered. Routers work on the hosts: a router joins
two networks whose servers then reach each other, servers without a
floating IP reach "the outside" (a namespace on the launcher's provider
bridge, where the external flat network lives) through SNAT, a floating
IP brings the outside to its server until it is disassociated, and the
router's namespace goes with the router. Skipped (with the reason) when
not root."""

import json
import os
import socket
import struct
import subprocess
import sys
import threading
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

SKIP = 77
NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
SETTINGS = {"identity": {"password_cost": "4"},
            "network-agent": {"resync_interval_ms": "300", "report_interval": "1"}}


def sh(*args, check=True):
    out = subprocess.run(list(args), capture_output=True, text=True, timeout=30)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {out.stderr}")
    return out


class VxlanCapture:
    """Watches a root-namespace link for VXLAN packets (UDP 4789) and
    collects their VNIs: what `tcpdump -i <link> udp port 4789` shows."""

    def __init__(self, link):
        self.vnis = set()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        self.sock.bind((link, 0))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                frame = self.sock.recv(65535)
            except socket.timeout:
                continue
            # Ethernet, IPv4 (no options assumed beyond IHL), UDP to 4789, VXLAN.
            if len(frame) < 14 + 20 + 8 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
                continue
            ihl = (frame[14] & 0x0F) * 4
            udp = 14 + ihl
            if struct.unpack("!H", frame[udp + 2:udp + 4])[0] != 4789:
                continue
            vxlan = udp + 8
            self.vnis.add(int.from_bytes(frame[vxlan + 4:vxlan + 7], "big"))

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def links(netns):
    """The links of a namespace (None: the machine's own) by name."""
    out = sh("ip", *(["-n", netns] if netns else []), "-j", "-d", "link", "show")
    return {l["ifname"]: l for l in json.loads(out.stdout)}


def echoes_answered(netns):
    """How many pings the namespace's kernel has answered (Icmp InEchos)."""
    snmp = sh("ip", "netns", "exec", netns, "cat", "/proc/net/snmp").stdout.splitlines()
    names, values = [l.split() for l in snmp if l.startswith("Icmp:")][:2]
    return int(values[names.index("InEchos")])


class NetworkAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=2, network_agents=True).__enter__()
        cls.token = cls.cluster.admin_token()
        cls.guests = []
        cls.flavor, cls.image = cls.cluster.tiny_flavor_and_image(cls.token)
        cls.cluster.wait_compute_nodes_up(cls.token, 2, agents=True)

    @classmethod
    def tearDownClass(cls):
        for g in cls.guests:
            sh("ip", "netns", "delete", g, check=False)
        cls.cluster.__exit__(None, None, None)

    def api(self, method, path, body=None, expect=None):
        r = self.cluster.request(method, "/network/v2.0" + path, self.token, body)
        if expect is not None:
            self.assertEqual(r.status, expect, r.body)
        return r.json() if r.body else None

    def host_netns(self, node):
        """The namespace the launcher gave the node (its host_netns setting)."""
        with open(os.path.join(self.cluster.state, "nodes", node + ".toml")) as f:
            for line in f:
                if line.strip().startswith("host_netns"):
                    return os.path.basename(line.split("=", 1)[1].strip().strip("'\""))
        self.fail(f"{node} has no host namespace")

    def cluster_id(self):
        with open(os.path.join(self.cluster.state, "cluster.toml")) as f:
            for line in f:
                if line.strip().startswith("cluster_id"):
                    return line.split("=", 1)[1].strip().strip("'\"")
        self.fail("the cluster has no id")

    def underlay_link(self, node):
        """The root-namespace end of the node's underlay veth (stv<id><n>)."""
        peer = links(self.host_netns(node))["ul0"]["link_index"]
        for name, link in links(None).items():
            if name.startswith("stv" + self.cluster_id()) and link["ifindex"] == peer:
                return name
        self.fail(f"no underlay link for {node}")

    def guest(self, node, port):
        """A stand-in guest: a namespace whose eth0 is the far end of the
        port's tap in the node's namespace, with the port's MAC and address."""
        name = "g-" + uuid.uuid4().hex[:8]
        sh("ip", "netns", "add", name)
        self.guests.append(name)
        host = self.host_netns(node)
        tap = "tap" + port["id"][:11]
        sh("ip", "-n", host, "link", "add", tap, "type", "veth", "peer", "name", "eth0",
           "netns", name)
        ip = port["fixed_ips"][0]["ip_address"]
        sh("ip", "-n", name, "link", "set", "eth0", "address", port["mac_address"])
        sh("ip", "-n", name, "link", "set", "eth0", "mtu", "1450")
        sh("ip", "-n", name, "addr", "add", ip + "/24", "dev", "eth0")
        sh("ip", "-n", name, "link", "set", "eth0", "up")
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def pings(self, guest, address):
        return sh("ip", "netns", "exec", guest, "ping", "-c1", "-W1", address,
                  check=False).returncode == 0

    def network(self, name, cidr):
        net = self.api("POST", "/networks", {"network": {"name": name}}, 201)["network"]
        self.api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": cidr,
                                                 "ip_version": 4}}, 201)
        return net

    def port(self, net, host):
        return self.api("POST", "/ports", {"port": {"network_id": net["id"],
                                                    "binding:host_id": host}}, 201)["port"]

    def status(self, port):
        return self.api("GET", "/ports/" + port["id"])["port"]["status"]

    def test_vxlan_between_hosts_isolation_repair_and_cleanup(self):
        self.assertTrue(wait_until(lambda: len(
            [a for a in self.api("GET", "/agents")["agents"] if a["alive"]]) == 2, 30, 0.2))
        red = self.network("red", "10.10.0.0/24")
        blue = self.network("blue", "10.10.0.0/24")  # same addresses, another segment
        p1, p2 = self.port(red, "cmp-1"), self.port(red, "cmp-2")
        p3 = self.port(blue, "cmp-2")
        self.assertEqual(p1["binding:vif_type"], "bridge")
        g1, g2, g3 = self.guest("cmp-1", p1), self.guest("cmp-2", p2), self.guest("cmp-2", p3)

        for p in (p1, p2, p3):
            self.assertTrue(wait_until(lambda: self.status(p) == "ACTIVE", 15, 0.2), p["id"])
        ip2 = p2["fixed_ips"][0]["ip_address"]
        self.assertTrue(wait_until(lambda: self.pings(g1, ip2), 15, 0.2))
        # Blue's guest, on the same host and the same CIDR as red's second
        # guest, cannot reach it: another bridge, another VNI.
        self.assertFalse(self.pings(g3, ip2))

        cmp1 = self.host_netns("cmp-1")
        vni = red["provider:segmentation_id"]
        devices = links(cmp1)
        bridge = "brq" + red["id"][:11]
        self.assertEqual(devices[f"vxlan-{vni}"]["master"], bridge)
        self.assertEqual(devices["tap" + p1["id"][:11]]["master"], bridge)
        # l2population: cmp-1's VXLAN device floods to cmp-2's tunnel address.
        fdb = sh("bridge", "-n", cmp1, "fdb", "show", "dev", f"vxlan-{vni}").stdout
        self.assertIn("dst 198.51.100.", fdb)

        # Drift: a deleted VXLAN device comes back and traffic flows again.
        sh("ip", "-n", cmp1, "link", "delete", f"vxlan-{vni}")
        self.assertTrue(wait_until(lambda: f"vxlan-{vni}" in links(cmp1), 10, 0.2))
        self.assertTrue(wait_until(lambda: self.pings(g1, ip2), 15, 0.2))

        # Cleanup: ports gone → no bridge or VXLAN device of ours remains.
        for p in (p1, p2, p3):
            self.api("DELETE", "/ports/" + p["id"], expect=204)
        for node in ("cmp-1", "cmp-2"):
            ns = self.host_netns(node)
            self.assertTrue(wait_until(lambda: not [
                n for n in links(ns) if n.startswith("brq") or n.startswith("vxlan-")], 10, 0.2),
                links(ns).keys())
        for g in (g1, g2, g3):
            sh("ip", "netns", "delete", g)  # the guests' taps go with them
        self.api("DELETE", "/networks/" + red["id"], expect=204)
        self.api("DELETE", "/networks/" + blue["id"], expect=204)

    def nova(self, method, path, body=None):
        return self.cluster.request(method, NOVA + path, self.token, body, headers=LATEST)

    def boot(self, name, network, host, status="ACTIVE", port=None):
        """A server on `host` with a port on `network` (or the given port)."""
        r = self.nova("POST", "/servers", {"server": {
            "name": name, "imageRef": self.image, "flavorRef": self.flavor,
            "networks": [{"port": port["id"]} if port else {"uuid": network["id"]}],
            "availability_zone": "nova:" + host}})
        self.assertEqual(r.status, 202, r)
        sid = r.json()["server"]["id"]
        self.assertTrue(wait_until(lambda: self.nova("GET", f"/servers/{sid}").json()["server"][
            "status"] in ("ACTIVE", "ERROR"), 60, 0.2))
        server = self.nova("GET", f"/servers/{sid}").json()["server"]
        self.assertEqual(server["status"], status, server.get("fault"))
        return server

    def test_servers_on_two_hosts_reach_each_other(self):
        self.assertTrue(wait_until(lambda: len(
            [a for a in self.api("GET", "/agents")["agents"] if a["alive"]]) == 2, 30, 0.2))
        green = self.network("green", "10.30.0.0/24")
        other = self.network("other", "10.30.0.0/24")
        s1, s2 = self.boot("vm-1", green, "cmp-1"), self.boot("vm-2", green, "cmp-2")
        s3 = self.boot("vm-3", other, "cmp-2")
        self.assertEqual(s1["OS-EXT-SRV-ATTR:host"], "cmp-1")
        self.assertIn("green", s2["addresses"], s2)
        addr = [a["addr"] for a in s2["addresses"]["green"]]
        self.assertEqual(len(addr), 1)
        self.assertTrue(addr[0].startswith("10.30.0."))
        ports = self.api("GET", f"/ports?device_id={s1['id']}")["ports"]
        self.assertEqual(len(ports), 1)
        self.assertEqual(ports[0]["binding:host_id"], "cmp-1")
        self.assertTrue(wait_until(lambda: self.status(ports[0]) == "ACTIVE", 15, 0.2))
        guest1, guest3 = "stratus-guest-" + s1["id"], "stratus-guest-" + s3["id"]
        capture = VxlanCapture(self.underlay_link("cmp-1"))
        try:
            self.assertTrue(wait_until(lambda: self.pings(guest1, addr[0]), 15, 0.2))
        finally:
            capture.stop()
        # On the underlay, the guests' traffic travels in the network's VNI.
        self.assertIn(green["provider:segmentation_id"], capture.vnis)
        self.assertFalse(self.pings(guest3, addr[0]))

        for s in (s1, s2, s3):
            self.assertEqual(self.nova("DELETE", f"/servers/{s['id']}").status, 204)
        for s in (s1, s2, s3):
            self.assertTrue(wait_until(
                lambda: self.nova("GET", f"/servers/{s['id']}").status == 404, 30, 0.2))
        self.assertTrue(wait_until(lambda: not self.api(
            "GET", f"/ports?network_id={green['id']}")["ports"], 15, 0.2))
        # No stand-in guest, DHCP namespace or dnsmasq of this cluster is left.
        self.assertTrue(wait_until(lambda: not [
            n for n in sh("ip", "netns", "list").stdout.split()
            if n.startswith(("stratus-guest-", "qdhcp-"))], 15, 0.2),
            sh("ip", "netns", "list").stdout)
        self.assertTrue(wait_until(lambda: sh("pgrep", "-f", "dnsmasq.*" + self.cluster.state,
                                              check=False).returncode != 0, 15, 0.2))
        for node in ("cmp-1", "cmp-2"):
            ns = self.host_netns(node)
            self.assertTrue(wait_until(lambda: not [
                n for n in links(ns) if n.startswith(("brq", "vxlan-", "tap"))], 15, 0.2),
                links(ns).keys())
        self.api("DELETE", "/networks/" + green["id"], expect=204)
        self.api("DELETE", "/networks/" + other["id"], expect=204)

    def provider_network(self, name, cidr, **provider):
        body = {"name": name}
        body.update({"provider:" + k: v for k, v in provider.items()})
        net = self.api("POST", "/networks", {"network": body}, 201)["network"]
        self.api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": cidr,
                                                 "ip_version": 4}}, 201)
        return net

    def address(self, server, network):
        return server["addresses"][network["name"]][0]["addr"]

    def delete_servers(self, *servers):
        for s in servers:
            self.assertEqual(self.nova("DELETE", f"/servers/{s['id']}").status, 204)
        for s in servers:
            self.assertTrue(wait_until(
                lambda: self.nova("GET", f"/servers/{s['id']}").status == 404, 30, 0.2))

    def test_local_and_flat_networks(self):
        # local: a bridge alone, so two servers on one host reach each other.
        local = self.provider_network("local-1", "10.50.0.0/24", network_type="local")
        a, b = self.boot("l-1", local, "cmp-1"), self.boot("l-2", local, "cmp-1")
        self.assertTrue(wait_until(lambda: self.pings("stratus-guest-" + a["id"],
                                                      self.address(b, local)), 15, 0.2))
        # flat: the hosts' provider interface (pv0) in the bridge, untagged.
        flat = self.provider_network("flat-1", "10.60.0.0/24", network_type="flat",
                                     physical_network="physnet1")
        c, d = self.boot("f-1", flat, "cmp-1"), self.boot("f-2", flat, "cmp-2")
        self.assertTrue(wait_until(lambda: self.pings("stratus-guest-" + c["id"],
                                                      self.address(d, flat)), 15, 0.2))
        self.assertEqual(links(self.host_netns("cmp-2"))["pv0"]["master"], "brq" + flat["id"][:11])
        self.delete_servers(a, b, c, d)
        self.assertTrue(wait_until(lambda: "master" not in links(self.host_netns("cmp-2"))["pv0"],
                                   15, 0.2))
        self.api("DELETE", "/networks/" + local["id"], expect=204)
        self.api("DELETE", "/networks/" + flat["id"], expect=204)

    def test_a_type_the_kernel_cannot_make_fails_the_binding_with_its_reason(self):
        kinds = {a["host"]: a["configurations"]["device_kinds"]
                 for a in self.api("GET", "/agents")["agents"]}
        for net_type, kind in (("vlan", "vlan"), ("gre", "gretap")):
            provider = {"network_type": net_type, "segmentation_id": 321}
            if net_type == "vlan":
                provider["physical_network"] = "physnet1"
            net = self.provider_network(net_type + "-net", "10.95.0.0/24", **provider)
            if kind in kinds["cmp-1"]:
                server = self.boot(net_type + "-vm", net, "cmp-1")  # this kernel can
            else:
                server = self.boot(net_type + "-vm", net, "cmp-1", status="ERROR")
                self.assertIn(f"cannot realise {net_type} networks", server["fault"]["details"])
                self.assertIn(f"cannot create {kind} devices", server["fault"]["details"])
                # Nothing is left bound: the failed build gave its port back.
                self.assertTrue(wait_until(lambda: not self.api(
                    "GET", f"/ports?network_id={net['id']}&device_owner=compute:nova")["ports"],
                    15, 0.2))
            self.delete_servers(server)
            self.assertTrue(wait_until(lambda: not self.api(
                "GET", f"/ports?network_id={net['id']}")["ports"], 15, 0.2))
            self.api("DELETE", "/networks/" + net["id"], expect=204)

    def test_interfaces_attach_and_detach(self):
        front = self.network("front", "10.80.0.0/24")
        back = self.network("back", "10.90.0.0/24")
        a, b = self.boot("i-1", front, "cmp-1"), self.boot("i-2", back, "cmp-2")
        r = self.nova("POST", f"/servers/{a['id']}/os-interface",
                      {"interfaceAttachment": {"net_id": back["id"]}})
        self.assertEqual(r.status, 200, r)
        attached = r.json()["interfaceAttachment"]
        self.assertEqual(attached["net_id"], back["id"])
        listed = self.nova("GET", f"/servers/{a['id']}/os-interface").json()["interfaceAttachments"]
        self.assertEqual(sorted(i["net_id"] for i in listed), sorted([front["id"], back["id"]]))
        server = self.nova("GET", f"/servers/{a['id']}").json()["server"]
        self.assertEqual(sorted(server["addresses"]), ["back", "front"])
        # The new NIC leased its address and reaches the other network's server.
        guest = "stratus-guest-" + a["id"]
        self.assertTrue(wait_until(lambda: self.pings(guest, self.address(b, back)), 15, 0.2))

        r = self.nova("DELETE", f"/servers/{a['id']}/os-interface/{attached['port_id']}")
        self.assertEqual(r.status, 202, r)
        listed = self.nova("GET", f"/servers/{a['id']}/os-interface").json()["interfaceAttachments"]
        self.assertEqual([i["net_id"] for i in listed], [front["id"]])
        self.assertNotIn("eth1", links(guest))
        self.assertEqual(self.nova("DELETE", f"/servers/{a['id']}/os-interface/"
                                             f"{attached['port_id']}").status, 404)
        self.delete_servers(a, b)
        for n in (front, back):
            self.assertTrue(wait_until(lambda: not self.api(
                "GET", f"/ports?network_id={n['id']}")["ports"], 15, 0.2))
            self.api("DELETE", "/networks/" + n["id"], expect=204)

    def test_security_groups_are_enforced_on_the_hosts(self):
        net = self.network("guarded", "10.80.0.0/24")
        # A group with no ingress rule (and Neutron's two egress rules).
        web = self.api("POST", "/security-groups",
                       {"security_group": {"name": "web"}}, 201)["security_group"]
        ports = [self.api("POST", "/ports", {"port": {
            "network_id": net["id"], "security_groups": [web["id"]]}}, 201)["port"]
            for _ in range(2)]
        a = self.boot("sg-1", net, "cmp-1", port=ports[0])
        b = self.boot("sg-2", net, "cmp-2", port=ports[1])
        guest_a, guest_b = "stratus-guest-" + a["id"], "stratus-guest-" + b["id"]
        address_a, address_b = self.address(a, net), self.address(b, net)
        # Both leased their addresses (DHCP passes), but no rule lets ICMP in.
        self.assertFalse(self.pings(guest_a, address_b))

        rule = self.api("POST", "/security-group-rules", {"security_group_rule": {
            "security_group_id": web["id"], "direction": "ingress", "protocol": "icmp",
            "remote_ip_prefix": "10.80.0.0/24"}}, 201)["security_group_rule"]
        self.assertTrue(wait_until(lambda: self.pings(guest_a, address_b), 10, 0.1))
        self.assertTrue(self.pings(guest_b, address_a))
        # The host's ruleset says so too, in the group's own chains.
        listing = sh("ip", "netns", "exec", self.host_netns("cmp-2"), "nft", "list", "table",
                     "inet", "stratus").stdout
        self.assertIn("jump sg_in_" + web["id"], listing)
        self.assertIn("ip saddr 10.80.0.0/24", listing)

        # A guest sending from an address that is not its port's is dropped.
        sh("ip", "-n", guest_a, "addr", "add", "10.80.0.200/24", "dev", "eth0")
        spoofed = sh("ip", "netns", "exec", guest_a, "ping", "-c1", "-W1", "-I", "10.80.0.200",
                     address_b, check=False)
        self.assertNotEqual(spoofed.returncode, 0, spoofed.stdout)
        self.assertTrue(self.pings(guest_a, address_b))

        # Taking the rule away stops it (the benchmark measures how fast).
        self.api("DELETE", "/security-group-rules/" + rule["id"], expect=204)
        self.assertTrue(wait_until(lambda: not self.pings(guest_a, address_b), 10, 0.1))

        # Without port security, the port is not filtered at all.
        self.api("PUT", "/ports/" + ports[1]["id"],
                 {"port": {"security_groups": [], "port_security_enabled": False}}, 200)
        self.assertTrue(wait_until(lambda: self.pings(guest_a, address_b), 10, 0.1))
        self.delete_servers(a, b)
        for p in ports:
            self.api("DELETE", "/ports/" + p["id"], expect=204)
        self.api("DELETE", "/security-groups/" + web["id"], expect=204)
        self.api("DELETE", "/networks/" + net["id"], expect=204)

    def outside(self, cidr):
        """"The outside": a namespace plugged into the launcher's provider
        bridge (stpv<id>, every host's pv0, physnet1) with address `cidr`."""
        name = "out-" + uuid.uuid4().hex[:8]
        sh("ip", "netns", "add", name)
        self.guests.append(name)
        sh("ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", name)
        sh("ip", "link", "set", name, "master", "stpv" + self.cluster_id(), "up")
        sh("ip", "-n", name, "addr", "add", cidr, "dev", "eth0")
        sh("ip", "-n", name, "link", "set", "eth0", "up")
        return name

    def test_routers_join_networks_and_floating_ips_reach_the_outside(self):
        public = self.api("POST", "/networks", {"network": {
            "name": "public", "router:external": True, "provider:network_type": "flat",
            "provider:physical_network": "physnet1"}}, 201)["network"]
        self.api("POST", "/subnets", {"subnet": {
            "network_id": public["id"], "cidr": "203.0.113.0/24", "ip_version": 4,
            "gateway_ip": "203.0.113.1", "enable_dhcp": False,
            "allocation_pools": [{"start": "203.0.113.100", "end": "203.0.113.200"}]}}, 201)
        outside = self.outside("203.0.113.1/24")  # no route to the tenant networks
        red, blue = self.network("red-r", "10.91.0.0/24"), self.network("blue-r", "10.92.0.0/24")
        # A group letting ICMP in from anywhere, for both servers.
        group = self.api("POST", "/security-groups",
                         {"security_group": {"name": "icmp"}}, 201)["security_group"]
        self.api("POST", "/security-group-rules", {"security_group_rule": {
            "security_group_id": group["id"], "direction": "ingress", "protocol": "icmp"}}, 201)
        ports = [self.api("POST", "/ports", {"port": {
            "network_id": n["id"], "security_groups": [group["id"]]}}, 201)["port"]
            for n in (red, blue)]
        a = self.boot("r-1", red, "cmp-1", port=ports[0])
        b = self.boot("r-2", blue, "cmp-2", port=ports[1])
        guest_a, guest_b = "stratus-guest-" + a["id"], "stratus-guest-" + b["id"]
        address_a, address_b = self.address(a, red), self.address(b, blue)
        self.assertFalse(self.pings(guest_a, address_b), "no router yet")

        router = self.api("POST", "/routers", {"router": {
            "name": "edge", "external_gateway_info": {"network_id": public["id"]}}},
            201)["router"]
        for n in (red, blue):
            subnet = self.api("GET", f"/subnets?network_id={n['id']}")["subnets"][0]
            self.api("PUT", f"/routers/{router['id']}/add_router_interface",
                     {"subnet_id": subnet["id"]}, 200)
        self.assertTrue(wait_until(lambda: self.pings(guest_a, address_b), 20, 0.2))
        self.assertTrue(self.pings(guest_b, address_a))
        # Without a floating IP, SNAT to the router's gateway address.
        self.assertTrue(wait_until(lambda: self.pings(guest_b, "203.0.113.1"), 10, 0.2))
        namespaces = sh("ip", "netns", "list").stdout
        self.assertIn("qrouter-" + router["id"], namespaces)

        fip = self.api("POST", "/floatingips", {"floatingip": {
            "floating_network_id": public["id"], "port_id": ports[0]["id"]}},
            201)["floatingip"]
        address = fip["floating_ip_address"]
        self.assertTrue(wait_until(lambda: self.api(
            "GET", "/floatingips/" + fip["id"])["floatingip"]["status"] == "ACTIVE", 15, 0.2))
        self.assertTrue(wait_until(lambda: self.pings(outside, address), 15, 0.2))
        # It is the server that answers, not the router holding the address.
        answered = echoes_answered(guest_a)
        self.assertTrue(self.pings(outside, address))
        self.assertEqual(echoes_answered(guest_a), answered + 1)

        self.api("PUT", "/floatingips/" + fip["id"], {"floatingip": {"port_id": None}}, 200)
        self.assertTrue(wait_until(lambda: not self.pings(outside, address), 10, 0.2))
        self.assertEqual(self.api("GET", "/floatingips/" + fip["id"])["floatingip"]["status"],
                         "DOWN")

        # Taken apart, the router leaves no namespace behind.
        self.api("DELETE", "/floatingips/" + fip["id"], expect=204)
        for n in (red, blue):
            subnet = self.api("GET", f"/subnets?network_id={n['id']}")["subnets"][0]
            self.api("PUT", f"/routers/{router['id']}/remove_router_interface",
                     {"subnet_id": subnet["id"]}, 200)
        self.api("DELETE", "/routers/" + router["id"], expect=204)
        self.assertTrue(wait_until(lambda: "qrouter-" + router["id"] not in sh(
            "ip", "netns", "list").stdout, 15, 0.2))
        self.delete_servers(a, b)
        for p in ports:
            self.api("DELETE", "/ports/" + p["id"], expect=204)
        self.api("DELETE", "/security-groups/" + group["id"], expect=204)
        for n in (red, blue, public):
            self.api("DELETE", "/networks/" + n["id"], expect=204)

    def test_a_killed_node_resyncs_without_disturbing_traffic(self):
        net = self.network("steady", "10.70.0.0/24")
        a, b = self.boot("k-1", net, "cmp-1"), self.boot("k-2", net, "cmp-2")
        guest_b, address_a = "stratus-guest-" + b["id"], self.address(a, net)
        self.assertTrue(wait_until(lambda: self.pings(guest_b, address_a), 15, 0.2))
        # A steady ping across the kill -9 of cmp-1 (agent and compute role
        # with it) and its restart: the kernel keeps forwarding, the
        # restarted agent finds everything in place.
        pinger = subprocess.Popen(["ip", "netns", "exec", guest_b, "ping", "-i", "0.2", "-c", "40",
                                   "-W", "1", address_a], stdout=subprocess.PIPE, text=True)
        os.kill(self.cluster.node_pid("cmp-1"), 9)
        self.cluster.relaunch()
        self.assertTrue(wait_until(lambda: any(
            x["host"] == "cmp-1" and x["alive"] and x["started_at"] for x in
            self.api("GET", "/agents")["agents"]), 30, 0.2))
        out, _ = pinger.communicate(timeout=60)
        self.assertIn(" 0% packet loss", out, out)
        self.delete_servers(a, b)
        self.api("DELETE", "/networks/" + net["id"], expect=204)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root for network namespaces and kernel devices")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
