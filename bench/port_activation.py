#!/usr/bin/env python3
"""Ports to ACTIVE on one compute node: N ports created (bulk of 100) and
bound to cmp-1, their taps plugged as a hypervisor would (veths into a
scratch namespace), then the time until the network agent has put every
one into its bridge and the server shows all of them ACTIVE. Needs root.
Usage: bench/port_activation.py [ports, default 1000] (run from the repository root,
STRATUS_BIN_DIR=build/bin)"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

if os.geteuid() != 0:
    print("needs root: the agent makes kernel devices")
    sys.exit(77)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
settings = {"identity": {"password_cost": "4"},
            "network-agent": {"resync_interval_ms": "200", "report_interval": "1"}}
with Cluster(settings, compute_nodes=1, network_agents=True) as c:
    token = c.admin_token()
    api = lambda m, p, b=None: c.request(m, "/network/v2.0" + p, token, b)  # noqa: E731
    assert wait_until(lambda: any(a["alive"] for a in api("GET", "/agents").json()["agents"]), 30)
    net = api("POST", "/networks", {"network": {"name": "bench"}}).json()["network"]
    api("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/16",
                                        "ip_version": 4}})
    project = net["project_id"]
    api("PUT", f"/quotas/{project}", {"quota": {"port": -1}})
    host_ns = None
    with open(os.path.join(c.state, "nodes", "cmp-1.toml")) as f:
        for line in f:
            if line.strip().startswith("host_netns"):
                host_ns = os.path.basename(line.split("=", 1)[1].strip().strip("'\""))
    guests = "stratus-bench-guests-" + str(os.getpid())
    subprocess.run(["ip", "netns", "add", guests], check=True)
    try:
        started = time.monotonic()
        ids = []
        while len(ids) < n:
            batch = min(100, n - len(ids))
            r = api("POST", "/ports", {"ports": [{"network_id": net["id"],
                                                  "binding:host_id": "cmp-1"}] * batch})
            assert r.status == 201, r
            ids += [p["id"] for p in r.json()["ports"]]
        created = time.monotonic()
        with tempfile.NamedTemporaryFile("w", suffix=".batch") as b:
            for i, pid in enumerate(ids):
                b.write(f"link add tap{pid[:11]} type veth peer name g{i} netns {guests}\n")
            b.flush()
            subprocess.run(["ip", "-n", host_ns, "-batch", b.name], check=True)
        plugged = time.monotonic()
        def active():
            r = api("GET", f"/ports?network_id={net['id']}&status=ACTIVE&fields=id")
            return len(r.json()["ports"]) == n
        assert wait_until(active, 120, 0.05), "not all ports became ACTIVE"
        done = time.monotonic()
        print(f"{n} ports: created and bound in {created - started:.2f} s, taps made in "
              f"{plugged - created:.2f} s, all ACTIVE {done - plugged:.2f} s later; "
              f"{n / (done - started):.0f} ports/s from create to ACTIVE")
    finally:
        subprocess.run(["ip", "netns", "delete", guests])
