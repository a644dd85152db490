#!/usr/bin/env python3
"""Security-group rule propagation: 1,000 ports (half on cmp-1, half on
cmp-2) in 10 groups holding 10,000 rules in all; then rules are added and
deleted one at a time, and each time the clock runs from the API call until
both compute nodes' nftables rulesets hold the change (read with `nft` in
each node's namespace). Prints p50/p99/max. Needs root.
Usage: bench/rule_propagation.py [samples, default 100] [ports] [rules] (run from the
repository root, STRATUS_BIN_DIR=build/bin)"""

import concurrent.futures
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

if os.geteuid() != 0:
    print("needs root: the agents write the kernel's nftables")
    sys.exit(77)
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 100
PORTS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
RULES = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
GROUPS = 10
HOSTS = ("cmp-1", "cmp-2")
settings = {"identity": {"password_cost": "4"}, "network-agent": {"report_interval": "1"}}


def host_netns(cluster, node):
    with open(os.path.join(cluster.state, "nodes", node + ".toml")) as f:
        for line in f:
            if line.strip().startswith("host_netns"):
                return os.path.basename(line.split("=", 1)[1].strip().strip("'\""))


def nft_list(ns, *what):
    return subprocess.run(["ip", "netns", "exec", ns, "nft", "list", *what],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


def bucket(group, rule_id):
    """The chain the agent keeps the rule in: sg_in_<group>_<FNV-1a(id) % 16>."""
    h = 2166136261
    for c in rule_id.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return f"sg_in_{group}_{'0123456789abcdef'[h % 16]}"


def chain(ns, name):
    return nft_list(ns, "chain", "inet", "stratus", name)


with Cluster(settings, compute_nodes=2, network_agents=True) as c:
    token = c.admin_token()
    api = lambda m, p, b=None: c.request(m, "/network/v2.0" + p, token, b)  # noqa: E731
    assert wait_until(lambda: sum(a["alive"] for a in api("GET", "/agents").json()["agents"]) == 2,
                      30)
    namespaces = [host_netns(c, h) for h in HOSTS]
    net = api("POST", "/networks", {"network": {"name": "bench"}}).json()["network"]
    api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/16",
                                        "ip_version": 4}})
    api("PUT", f"/quotas/{net['project_id']}", {"quota": {
        "port": -1, "security_group": -1, "security_group_rule": -1}})
    groups = [api("POST", "/security-groups", {"security_group": {"name": f"g{i}"}})
              .json()["security_group"]["id"] for i in range(GROUPS)]
    started = time.monotonic()

    def add_rule(i):
        r = api("POST", "/security-group-rules", {"security_group_rule": {
            "security_group_id": groups[i % GROUPS], "direction": "ingress", "protocol": "tcp",
            "port_range_min": 1 + i // GROUPS, "port_range_max": 1 + i // GROUPS,
            "remote_ip_prefix": f"10.{i % 200}.0.0/16"}})
        assert r.status == 201, r.body
    # Each new group has Neutron's two egress rules already.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(add_rule, range(RULES - 2 * GROUPS)))
    for first in range(0, PORTS, 100):
        r = api("POST", "/ports", {"ports": [{
            "network_id": net["id"], "binding:host_id": HOSTS[k // GROUPS % 2],
            "security_groups": [groups[k % GROUPS]]} for k in range(first, min(PORTS, first + 100))]})
        assert r.status == 201, r.body
    last_port = 1 + (RULES - 2 * GROUPS - 1) // GROUPS
    if not wait_until(lambda: all(nft_list(ns, "table", "inet", "stratus").count(
            f"dport {last_port} ") == GROUPS for ns in namespaces), 300, 0.5):
        os.system(f"grep -rh 'not enforced' {c.state}/logs | tail -3")
        sys.exit("the rules never arrived")
    print(f"{PORTS} ports, {GROUPS} groups, {RULES} rules set up and enforced on both hosts "
          f"in {time.monotonic() - started:.1f} s")

    times = []
    for i in range(samples):
        group, port = groups[i % GROUPS], 20000 + i
        t0 = time.monotonic()
        r = api("POST", "/security-group-rules", {"security_group_rule": {
            "security_group_id": group, "direction": "ingress", "protocol": "tcp",
            "port_range_min": port, "port_range_max": port}})
        assert r.status == 201, r.body
        rule = r.json()["security_group_rule"]["id"]
        held_in = bucket(group, rule)
        assert wait_until(lambda: all(f"dport {port} " in chain(ns, held_in)
                                      for ns in namespaces), 30, 0.02)
        times.append(time.monotonic() - t0)
        t0 = time.monotonic()
        assert api("DELETE", "/security-group-rules/" + rule).status == 204
        assert wait_until(lambda: all(f"dport {port} " not in chain(ns, held_in)
                                      for ns in namespaces), 30, 0.02)
        times.append(time.monotonic() - t0)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f"rule add/delete → enforced on {len(HOSTS)} hosts ({len(times)} changes): "
          f"p50 {p(0.5) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms "
          f"(mean {statistics.mean(times) * 1000:.0f} ms)")
