#!/usr/bin/env python3
"""Real guests under QEMU (TCG here, see PLATFORM notes in docs/benchmarks.md):
N servers booted one after another from the tiny guest image
(tools/guest_image.sh) on one network, one compute node with
hypervisor = "qemu". For each: create → ACTIVE (the API's view), of which
the hypervisor's own start (the compute log's "started by the hypervisor
in … ms": disk overlay, bridge, libvirt define and start) and the rest
(the control plane: API, scheduling, placement, ports, records); then
the guest's boot until its DHCP lease (its serial console) and until it
answers ping from the network's DHCP namespace. Prints medians. Needs root.
Usage: bench/real_guest_boot.py [servers, default 5] (run from the
repository root, STRATUS_BIN_DIR=build/bin)"""

import glob
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

if os.geteuid() != 0:
    print("needs root: libvirtd and the guests' bridges")
    sys.exit(77)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
images = subprocess.run([os.path.join(ROOT, "tools", "guest_image.sh"),
                         os.path.join(ROOT, "build", "guest-image")], check=True,
                        capture_output=True, text=True).stdout.strip().splitlines()[-1]
settings = {"identity": {"password_cost": "4"}, "compute": {"hypervisor": "qemu"},
            "network-agent": {"report_interval": "1", "tunnel_ip": "127.0.0.1"}}
cluster = Cluster(settings, compute_nodes=1, network_agents=True, compute_host_kind="self")
os.chmod(cluster.dir, 0o755)
with cluster as c:
    token = c.admin_token()
    c.wait_compute_nodes_up(token, 1, agents=True)
    api = lambda m, p, b=None, **kw: c.request(m, p, token, b, **kw)  # noqa: E731

    def upload(name, path, fmt, **props):
        body = {"name": name, "disk_format": fmt,
                "container_format": fmt if fmt in ("aki", "ari") else "bare", **props}
        image = api("POST", "/image/v2/images", body).json()["id"]
        with open(path, "rb") as f:
            api("PUT", f"/image/v2/images/{image}/file", raw=f.read(),
                headers={"Content-Type": "application/octet-stream"})
        return image
    kernel = upload("k", os.path.join(images, "vmlinuz"), "aki")
    ramdisk = upload("r", os.path.join(images, "initrd.img"), "ari")
    ami = upload("tiny", os.path.join(images, "disk.img"), "ami", kernel_id=kernel,
                 ramdisk_id=ramdisk)
    flavor = api("POST", "/compute/v2.1/flavors", {"flavor": {
        "name": "g", "ram": 192, "vcpus": 1, "disk": 1}}).json()["flavor"]["id"]
    net = api("POST", "/network/v2.0/networks", {"network": {"name": "bench"}}).json()["network"]
    api("POST", "/network/v2.0/subnets", {"subnet": {"network_id": net["id"],
                                                     "cidr": "10.66.0.0/24", "ip_version": 4}})
    group = api("GET", "/network/v2.0/security-groups?name=default").json()["security_groups"][0]
    api("POST", "/network/v2.0/security-group-rules", {"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "icmp"}})

    def console(uuid):
        logs = glob.glob(os.path.join(c.state, "**", "instances", uuid, "console.log"),
                         recursive=True)
        return open(logs[0], errors="replace").read() if logs else ""

    def hypervisor_ms(uuid):
        with open(os.path.join(c.state, "logs", "cmp-1.log")) as f:
            m = re.search(uuid + r" started by the hypervisor in (\d+) ms", f.read())
        return int(m.group(1)) if m else None

    rows = []
    for i in range(n):
        t0 = time.monotonic()
        r = api("POST", "/compute/v2.1/servers", {"server": {
            "name": f"b{i}", "imageRef": ami, "flavorRef": flavor,
            "networks": [{"uuid": net["id"]}]}})
        uuid = r.json()["server"]["id"]
        show = lambda: api("GET", f"/compute/v2.1/servers/{uuid}").json()["server"]  # noqa: E731
        assert wait_until(lambda: show()["status"] in ("ACTIVE", "ERROR"), 300, 0.01)
        active = time.monotonic() - t0
        address = show()["addresses"]["bench"][0]["addr"]
        assert wait_until(lambda: f"stratus-guest: eth0 {address}" in console(uuid), 300, 0.05)
        leased = time.monotonic() - t0
        assert wait_until(lambda: subprocess.run(
            ["ip", "netns", "exec", "qdhcp-" + net["id"], "ping", "-c1", "-W0.2", address],
            capture_output=True).returncode == 0, 120, 0)
        answered = time.monotonic() - t0
        hv = hypervisor_ms(uuid) / 1000
        rows.append((active, hv, active - hv, leased - active, answered))
        print(f"server {i + 1}: ACTIVE {active * 1000:.0f} ms (hypervisor {hv * 1000:.0f} ms, "
              f"control plane {(active - hv) * 1000:.0f} ms), lease +{(leased - active):.1f} s, "
              f"ping answered {answered:.1f} s after create")
        api("DELETE", f"/compute/v2.1/servers/{uuid}")
        assert wait_until(lambda: api("GET", f"/compute/v2.1/servers/{uuid}").status == 404, 60)
    med = lambda k: statistics.median(r[k] for r in rows)  # noqa: E731
    print(f"median of {n}: create → ACTIVE {med(0) * 1000:.0f} ms, of which hypervisor start "
          f"{med(1) * 1000:.0f} ms and control plane {med(2) * 1000:.0f} ms; guest boot to its "
          f"DHCP lease {med(3):.1f} s; create → ping answered {med(4):.1f} s")
