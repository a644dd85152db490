"""Real guests under QEMU through the system's libvirtd, as root: one
compute node with `hypervisor = "qemu"` in the machine's own namespace
(TCG where KVM cannot run a guest), the tiny guest tools/guest_image.sh
builds from Debian packages uploaded as aki + ari + ami images, and two
servers booted from the ami on one network. Each guest leases its
address from the network's DHCP server (it prints it on its serial
console), the network's security groups hold for them (a ping from
outside the group passes only once an ICMP rule lets it in), and one
guest pings the other from its own shell, typed through its serial
console. Then the lifecycle on a real guest: stop (ACPI) and start, soft
and hard reboot, pause and unpause, suspend and resume, a guest that
powers itself off is seen SHUTOFF; delete leaves no domain, tap or disk
behind. Skipped (with the reason) when not root or where libvirtd, QEMU
or the guest image cannot be had."""

import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

SKIP = 77
ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
SETTINGS = {"identity": {"password_cost": "4"},
            "compute": {"hypervisor": "qemu", "sync_power_state_interval": "2"},
            # One host: its tenant networks' VXLAN devices need a local address.
            "network-agent": {"report_interval": "1", "tunnel_ip": "127.0.0.1"}}
BOOT_TIMEOUT = 180  # software emulation on a busy machine


def sh(*args, check=True):
    out = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {out.stderr}")
    return out


def unavailable():
    """Why real guests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root for libvirtd and the guests' bridges"
    for program in ("libvirtd", "virtlogd", "qemu-system-x86_64", "qemu-img"):
        if not shutil.which(program):
            return f"{program} is not installed"
    return None


class SerialConsole:
    """The guest's serial console as the serial proxy reaches it: raw TCP
    on the port of its domain definition."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(0.5)

    def run(self, command, expect, timeout=30):
        """Types `command` into the guest's shell; True once `expect`
        (a regular expression) shows in what it answers."""
        self.sock.sendall(b"\n" + command.encode() + b"\n")
        seen, deadline = "", time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen += self.sock.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            if re.search(expect, seen):
                return True
        print("serial console said:", seen[-2000:])
        return False

    def close(self):
        self.sock.close()


class RealGuests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=1, network_agents=True,
                              compute_host_kind="self")
        os.chmod(cls.cluster.dir, 0o755)  # the qemu user reads the guests' disks below it
        cls.cluster.__enter__()
        cls.token = cls.cluster.admin_token()
        cls.cluster.wait_compute_nodes_up(cls.token, 1, agents=True)
        cls.created = []

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)
        # Guests outlive their compute node (as in Nova): those of a failed
        # run go here, by UUID.
        for uuid in cls.created:
            for command in ("destroy", "undefine"):
                sh("virsh", "-c", "qemu:///system", command, uuid, check=False)

    def api(self, method, path, body=None, expect=None, raw=None, headers=None):
        r = self.cluster.request(method, path, self.token, body, headers=headers, raw=raw)
        if expect is not None:
            self.assertEqual(r.status, expect, r.body)
        return r.json() if r.body else None

    def nova(self, method, path, body=None, expect=None):
        return self.api(method, NOVA + path, body, expect, headers=LATEST)

    def upload(self, name, path, disk_format, **properties):
        body = {"name": name, "disk_format": disk_format,
                "container_format": disk_format if disk_format in ("aki", "ari") else "bare"}
        body.update(properties)
        image = self.api("POST", "/image/v2/images", body, 201)["id"]
        with open(path, "rb") as f:
            self.api("PUT", f"/image/v2/images/{image}/file", expect=204, raw=f.read(),
                     headers={"Content-Type": "application/octet-stream"})
        return image

    def status(self, server):
        return self.nova("GET", f"/servers/{server['id']}")["server"]["status"]

    def wait_status(self, server, status, timeout=BOOT_TIMEOUT):
        self.assertTrue(wait_until(lambda: self.status(server) in (status, "ERROR"), timeout, 0.5),
                        f"{server['id']} is {self.status(server)}, not {status}")
        shown = self.nova("GET", f"/servers/{server['id']}")["server"]
        self.assertEqual(shown["status"], status, shown.get("fault"))
        return shown

    def action(self, server, body, status):
        self.nova("POST", f"/servers/{server['id']}/action", body, 202)
        return self.wait_status(server, status)

    def console_log(self, server):
        logs = glob.glob(os.path.join(self.cluster.state, "**", "instances", server["id"],
                                      "console.log"), recursive=True)
        if not logs:
            return ""
        with open(logs[0], errors="replace") as f:
            return f.read()

    def domain_xml(self, server):
        name = self.nova("GET", f"/servers/{server['id']}")["server"][
            "OS-EXT-SRV-ATTR:instance_name"]
        return sh("virsh", "-c", "qemu:///system", "dumpxml", name).stdout

    def serial_console(self, server):
        port = re.search(r"<source mode='bind' host='127.0.0.1' service='(\d+)'",
                         self.domain_xml(server))
        self.assertIsNotNone(port, "the guest has no serial console on TCP")
        return SerialConsole(int(port.group(1)))

    def test_real_guests_lease_ping_and_live_their_lifecycle(self):
        image_dir = subprocess.run([os.path.join(ROOT, "tools", "guest_image.sh"),
                                    os.path.join(ROOT, "build", "guest-image")],
                                   capture_output=True, text=True, timeout=600)
        if image_dir.returncode != 0:
            self.skipTest("the guest image cannot be built here: " + image_dir.stderr[-500:])
        images = image_dir.stdout.strip().splitlines()[-1]
        kernel = self.upload("tiny-kernel", os.path.join(images, "vmlinuz"), "aki")
        ramdisk = self.upload("tiny-ramdisk", os.path.join(images, "initrd.img"), "ari")
        ami = self.upload("tiny", os.path.join(images, "disk.img"), "ami",
                          kernel_id=kernel, ramdisk_id=ramdisk)
        flavor = self.nova("POST", "/flavors", {"flavor": {
            "name": "guest", "ram": 192, "vcpus": 1, "disk": 1}}, 200)["flavor"]["id"]
        net = self.api("POST", "/network/v2.0/networks", {"network": {"name": "guests"}},
                       201)["network"]
        self.api("POST", "/network/v2.0/subnets", {"subnet": {
            "network_id": net["id"], "cidr": "10.77.0.0/24", "ip_version": 4}}, 201)

        servers = []
        for name in ("real-1", "real-2"):
            servers.append(self.nova("POST", "/servers", {"server": {
                "name": name, "imageRef": ami, "flavorRef": flavor,
                "networks": [{"uuid": net["id"]}]}}, 202)["server"])
            self.created.append(servers[-1]["id"])
        shown = [self.wait_status(s, "ACTIVE") for s in servers]
        self.assertEqual(shown[0]["OS-EXT-SRV-ATTR:kernel_id"], kernel)
        addresses = [s["addresses"]["guests"][0]["addr"] for s in shown]
        taps = ["tap" + p["id"][:11] for s in servers for p in self.api(
            "GET", f"/network/v2.0/ports?device_id={s['id']}")["ports"]]
        self.assertEqual(len(taps), 2)
        xml = self.domain_xml(servers[0])
        self.assertIn("<kernel>", xml)
        self.assertIn("type='bridge'", xml)

        # Each guest leased its own address from the network's DHCP server.
        for server, address in zip(servers, addresses):
            self.assertTrue(wait_until(lambda: f"stratus-guest: eth0 {address}" in
                                       self.console_log(server), BOOT_TIMEOUT, 1),
                            self.console_log(server)[-2000:])

        # Security groups hold: the DHCP server's namespace is outside the
        # servers' default group, so its pings pass only once a rule allows them.
        outside = "qdhcp-" + net["id"]
        pings = lambda a: sh("ip", "netns", "exec", outside, "ping", "-c1", "-W1", a,  # noqa: E731
                             check=False).returncode == 0
        self.assertFalse(pings(addresses[0]))
        default = self.api("GET", "/network/v2.0/security-groups?name=default")[
            "security_groups"][0]
        self.api("POST", "/network/v2.0/security-group-rules", {"security_group_rule": {
            "security_group_id": default["id"], "direction": "ingress", "protocol": "icmp"}}, 201)
        for address in addresses:
            self.assertTrue(wait_until(lambda: pings(address), 15, 0.2), address)

        # One guest pings the other from its own shell.
        console = self.serial_console(servers[0])
        try:
            self.assertTrue(console.run(f"ping -c1 -W3 {addresses[1]}", r"1 packets received"))
        finally:
            console.close()

        # The lifecycle on a real guest.
        guest = servers[1]
        self.action(guest, {"os-stop": None}, "SHUTOFF")
        self.action(guest, {"os-start": None}, "ACTIVE")
        self.action(guest, {"reboot": {"type": "SOFT"}}, "ACTIVE")
        self.action(guest, {"reboot": {"type": "HARD"}}, "ACTIVE")
        self.action(guest, {"pause": None}, "PAUSED")
        self.action(guest, {"unpause": None}, "ACTIVE")
        self.action(guest, {"suspend": None}, "SUSPENDED")
        self.action(guest, {"resume": None}, "ACTIVE")
        self.assertTrue(wait_until(lambda: pings(addresses[1]), 60, 0.5), "back on the network")
        # A guest that powers itself off is noticed by the power-state sync.
        console = self.serial_console(guest)
        try:
            console.sock.sendall(b"\npoweroff\n")
        finally:
            console.close()
        self.wait_status(guest, "SHUTOFF", 60)

        # Delete leaves nothing behind.
        names = [self.nova("GET", f"/servers/{s['id']}")["server"]["OS-EXT-SRV-ATTR:instance_name"]
                 for s in servers]
        for s in servers:
            self.nova("DELETE", f"/servers/{s['id']}", expect=204)
        for s in servers:
            self.assertTrue(wait_until(lambda: self.cluster.request(
                "GET", f"{NOVA}/servers/{s['id']}", self.token).status == 404, 60, 0.5))
        domains = sh("virsh", "-c", "qemu:///system", "list", "--all", "--name").stdout
        for name in names:
            self.assertNotIn(name, domains)
        def taps_left():
            links = sh("ip", "-o", "link", "show").stdout
            return [t for t in taps if t + ":" in links or t + "@" in links]
        self.assertTrue(wait_until(lambda: not taps_left(), 30, 0.5), taps_left())
        for s in servers:
            self.assertEqual(glob.glob(os.path.join(self.cluster.state, "**", "instances", s["id"]),
                                       recursive=True), [])
        self.api("DELETE", f"/network/v2.0/networks/{net['id']}", expect=204)


if __name__ == "__main__":
    reason = unavailable()
    if reason:
        print("SKIP:", reason)
        sys.exit(SKIP)
    unittest.main(verbosity=2)
