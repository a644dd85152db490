#!/usr/bin/env python3
"""Floating IP propagation: a port on a tenant network (its "guest" a
namespace on cmp-1, plugged through the port's tap as a hypervisor would),
a router joining that network to a flat external one, and "the outside"
(a namespace on the launcher's provider bridge). Then the floating IP is
associated and disassociated N times; the clock runs from the API call
until the outside's pings to the floating IP are answered by the guest
(resp. no longer answered). Prints p50/p99/max. Needs root.
Usage: bench/floating_ip_propagation.py [samples, default 50] (run from the
repository root, STRATUS_BIN_DIR=build/bin)"""

import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

if os.geteuid() != 0:
    print("needs root: the agents build namespaces, devices and NAT")
    sys.exit(77)
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 50
settings = {"identity": {"password_cost": "4"}, "network-agent": {"report_interval": "1"}}


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


def answers(ns, address):
    return subprocess.run(["ip", "netns", "exec", ns, "ping", "-c1", "-W0.1", address],
                          capture_output=True).returncode == 0


def setting(path, key):
    with open(path) as f:
        for line in f:
            if line.strip().startswith(key):
                return line.split("=", 1)[1].strip().strip("'\"")


with Cluster(settings, compute_nodes=2, network_agents=True) as c:
    token = c.admin_token()
    api = lambda m, p, b=None: c.request(m, "/network/v2.0" + p, token, b).json()  # noqa: E731
    assert wait_until(lambda: sum(a["alive"] for a in api("GET", "/agents")["agents"]) == 2, 30)
    public = api("POST", "/networks", {"network": {
        "name": "public", "router:external": True, "provider:network_type": "flat",
        "provider:physical_network": "physnet1"}})["network"]
    api("POST", "/subnets", {"subnet": {"network_id": public["id"], "cidr": "203.0.113.0/24",
                                        "ip_version": 4, "gateway_ip": "203.0.113.1",
                                        "enable_dhcp": False}})
    net = api("POST", "/networks", {"network": {"name": "bench"}})["network"]
    subnet = api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24",
                                                 "ip_version": 4}})["subnet"]
    router = api("POST", "/routers", {"router": {
        "name": "edge", "external_gateway_info": {"network_id": public["id"]}}})["router"]
    api("PUT", f"/routers/{router['id']}/add_router_interface", {"subnet_id": subnet["id"]})
    port = api("POST", "/ports", {"port": {"network_id": net["id"], "binding:host_id": "cmp-1",
                                           "port_security_enabled": False}})["port"]

    # The guest, and the outside on the provider bridge.
    guest, outside = "bg-" + uuid.uuid4().hex[:8], "bo-" + uuid.uuid4().hex[:8]
    host = os.path.basename(setting(os.path.join(c.state, "nodes", "cmp-1.toml"), "host_netns"))
    bridge = "stpv" + setting(os.path.join(c.state, "cluster.toml"), "cluster_id")
    try:
        sh("ip", "netns", "add", guest)
        sh("ip", "-n", host, "link", "add", "tap" + port["id"][:11], "type", "veth", "peer",
           "name", "eth0", "netns", guest)
        sh("ip", "-n", guest, "link", "set", "eth0", "address", port["mac_address"], "mtu", "1450",
           "up")
        sh("ip", "-n", guest, "addr", "add", port["fixed_ips"][0]["ip_address"] + "/24", "dev",
           "eth0")
        sh("ip", "-n", guest, "route", "add", "default", "via", "10.0.0.1")
        sh("ip", "netns", "add", outside)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", outside)
        sh("ip", "link", "set", outside, "master", bridge, "up")
        sh("ip", "-n", outside, "addr", "add", "203.0.113.1/24", "dev", "eth0")
        sh("ip", "-n", outside, "link", "set", "eth0", "up")

        fip = api("POST", "/floatingips", {"floatingip": {
            "floating_network_id": public["id"]}})["floatingip"]
        address = fip["floating_ip_address"]
        on, off = [], []
        for _ in range(samples):
            t0 = time.monotonic()
            api("PUT", "/floatingips/" + fip["id"], {"floatingip": {"port_id": port["id"]}})
            assert wait_until(lambda: answers(outside, address), 30, 0)
            on.append(time.monotonic() - t0)
            t0 = time.monotonic()
            api("PUT", "/floatingips/" + fip["id"], {"floatingip": {"port_id": None}})
            assert wait_until(lambda: not answers(outside, address), 30, 0)
            off.append(time.monotonic() - t0)
    finally:
        subprocess.run(["ip", "netns", "delete", guest], capture_output=True)
        subprocess.run(["ip", "netns", "delete", outside], capture_output=True)

    def summary(what, times):
        times = sorted(times)
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
        print(f"{what} ({len(times)} samples): p50 {p(0.5) * 1000:.0f} ms, "
              f"p99 {p(0.99) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")
    summary("floating IP associated → answered from outside", on)
    summary("floating IP disassociated → no longer answered", off)
