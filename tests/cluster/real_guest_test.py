"""Real guests under QEMU through the system's libvirtd, as root: one
compute node with `hypervisor = "qemu"` in the machine's own namespace
(TCG where KVM cannot run a guest), the tiny guest tools/guest_image.sh
builds from Debian packages uploaded as aki + ari + ami images, and two
servers booted from the ami on one network. Each guest leases its
address from the network's DHCP server (it prints it on its serial
console), the network's security groups hold for them (a ping from
outside the group passes only once an ICMP rule lets it in), and one
guest pings the other from its own shell, typed through its serial
console. Its consoles: a noVNC URL from remote-consoles whose token
opens the guest's VNC server through the console role's websocket proxy
(the RFB greeting comes back) once, and never when used, forged or
expired; the serial console through os-getSerialConsole reaches the
guest's shell; `openstack console url show --novnc/--serial` gets both
URLs; headless Chromium opens the URL and noVNC connects (its
screenshot lands in the test output directory). Then the lifecycle on a
real guest: stop (ACPI) and start, soft
and hard reboot, pause and unpause, suspend and resume, a guest that
powers itself off is seen SHUTOFF; delete leaves no domain, tap or disk
behind. Skipped (with the reason) when not root or where libvirtd, QEMU
or the guest image cannot be had."""

import base64
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

SKIP = 77
ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NOVNC, SERIAL = free_port(), free_port()
TOKEN_TTL = 5
OUTPUT = os.environ.get("STRATUS_TEST_OUTPUT", os.path.join(ROOT, "build", "test-output"))
SETTINGS = {"identity": {"password_cost": "4"},
            "console": {"novnc_listen": f"127.0.0.1:{NOVNC}",
                        "serial_listen": f"127.0.0.1:{SERIAL}", "token_ttl": str(TOKEN_TTL)},
            "compute-api": {"novncproxy_base_url": f"http://127.0.0.1:{NOVNC}/vnc_lite.html",
                            "serialproxy_base_url": f"ws://127.0.0.1:{SERIAL}/"},
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


class WebSocket:
    """A websocket client as a browser's noVNC is one: the RFC 6455
    handshake, masked frames out, frames in."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Protocol: binary\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        head, _, self.pending = head.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.accepted = self.status == 101 and accept in head

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.pending += chunk
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def recv_until(self, expected, timeout=30):
        """Frames' payloads until `expected` (bytes) is among them."""
        seen, deadline = b"", time.monotonic() + timeout
        while expected not in seen and time.monotonic() < deadline:
            b0, b1 = self._read(2)
            length = b1 & 0x7F
            if length == 126:
                length = int.from_bytes(self._read(2), "big")
            elif length == 127:
                length = int.from_bytes(self._read(8), "big")
            seen += self._read(length)
        return seen

    def send(self, data):
        mask = os.urandom(4)
        head = bytes([0x82, 0x80 | len(data)]) if len(data) < 126 else \
            bytes([0x82, 0x80 | 126]) + len(data).to_bytes(2, "big")
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def close(self):
        self.sock.close()


class RealGuests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=1, network_agents=True,
                              compute_host_kind="self", controller_roles=["console"])
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

    def console_url(self, server, protocol, kind):
        r = self.cluster.request("POST", f"{NOVA}/servers/{server['id']}/remote-consoles",
                                 self.token, {"remote_console": {"protocol": protocol,
                                                                 "type": kind}},
                                 headers={"OpenStack-API-Version": "compute 2.8"})
        self.assertEqual(r.status, 200, r.body)
        return r.json()["remote_console"]["url"]

    @staticmethod
    def token_of(url):
        return urllib.parse.unquote(urllib.parse.urlparse(url).query).rsplit("token=", 1)[1]

    def check_consoles(self, server):
        def answer_to(token):
            ws = WebSocket(NOVNC, "/?token=" + token)
            ws.close()
            return ws.status

        # noVNC's URL: its token opens the guest's VNC server once.
        url = self.console_url(server, "vnc", "novnc")
        self.assertTrue(url.startswith(f"http://127.0.0.1:{NOVNC}/vnc_lite.html?path=%3Ftoken%3D"),
                        url)
        token = self.token_of(url)
        ws = WebSocket(NOVNC, "/?token=" + token)
        self.assertTrue(ws.accepted, ws.status)
        self.assertIn(b"RFB 003.00", ws.recv_until(b"RFB 003.00"))
        ws.close()
        self.assertEqual(answer_to(token), 403, "a used token")
        self.assertEqual(answer_to(str(uuid.uuid4())), 403, "a forged token")
        expiring = self.token_of(self.console_url(server, "vnc", "novnc"))
        t0 = time.monotonic()
        self.assertTrue(wait_until(lambda: time.monotonic() > t0 + TOKEN_TTL + 1, TOKEN_TTL + 5))
        self.assertEqual(answer_to(expiring), 403, "an expired token")
        self.assertEqual(self.cluster.request(
            "POST", f"{NOVA}/servers/{server['id']}/remote-consoles", self.token,
            {"remote_console": {"protocol": "spice", "type": "spice-html5"}},
            headers={"OpenStack-API-Version": "compute 2.8"}).status, 400)

        # The serial console, through the older action: the guest's shell.
        r = self.nova("POST", f"/servers/{server['id']}/action",
                      {"os-getSerialConsole": {"type": "serial"}}, 200)
        self.assertTrue(r["console"]["url"].startswith(f"ws://127.0.0.1:{SERIAL}/?token="))
        ws = WebSocket(SERIAL, "/?token=" + self.token_of(r["console"]["url"]))
        self.assertTrue(ws.accepted, ws.status)
        ws.send(b"\necho stratus-$((6*7))\n")
        self.assertIn(b"stratus-42", ws.recv_until(b"stratus-42"))
        ws.close()

        # The real client asks the same way (remote-consoles at 2.8).
        env = dict(os.environ, **self.cluster.openrc())
        for kind, start in (("--novnc", f"http://127.0.0.1:{NOVNC}/"),
                            ("--serial", f"ws://127.0.0.1:{SERIAL}/")):
            shown = subprocess.run(["openstack", "console", "url", "show", kind, "-f", "json",
                                    server["id"]], env=env, capture_output=True, text=True,
                                   timeout=120)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertTrue(json.loads(shown.stdout)["url"].startswith(start), shown.stdout)

        # A browser: headless Chromium opens the URL, noVNC connects and draws.
        chromium = shutil.which("chromium")
        if not chromium or not os.path.isdir("/usr/share/novnc"):
            print("SKIP (browser check): needs Debian's chromium and novnc")
            return
        os.makedirs(OUTPUT, exist_ok=True)
        shot = os.path.join(OUTPUT, "real_guest_console.png")
        browse = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--window-size=1024,768", "--virtual-time-budget=20000"]
        dom = subprocess.run(browse + ["--dump-dom", self.console_url(server, "vnc", "novnc")],
                             capture_output=True, text=True, timeout=120).stdout
        self.assertIn("Connected", dom, dom[-2000:])
        subprocess.run(browse + [f"--screenshot={shot}", self.console_url(server, "vnc", "novnc")],
                       capture_output=True, timeout=120)
        self.assertGreater(os.path.getsize(shot), 5000, "the screenshot shows the console")
        print("console screenshot:", shot)

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

        self.check_consoles(servers[0])

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
