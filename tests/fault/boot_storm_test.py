"""Faults during a boot storm, through the REST API: a compute node killed
(kill -9) while 200 servers boot, and the controller's node (conductor,
compute-conductor, scheduler, placement, gateway) killed and started again
mid-storm. Every acknowledged server must end ACTIVE or ERROR with a fault
(rescheduled where an alternate host exists), none may stay in BUILD, none
may appear twice, and placement's usages must equal the sum of the live
servers' allocations."""

import collections
import os
import signal
import sys
import threading
import time
import unittest
import urllib.error

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
PLACEMENT = {"OpenStack-API-Version": "placement 1.39"}
SETTINGS = {
    "compute": {"report_interval": "1", "sync_power_state_interval": "5", "vcpus": "64",
                "memory_mb": "131072", "disk_gb": "1000"},
    "compute-conductor": {"service_down_time": "3", "build_timeout": "40"},
}
SERVERS = 200
BATCH = 10


class BootStorm(unittest.TestCase):
    def start(self, compute_nodes):
        self.cluster = Cluster(SETTINGS, compute_nodes=compute_nodes).__enter__()
        self.addCleanup(self.cluster.__exit__, None, None, None)
        c = self.cluster
        self.token = c.admin_token()
        self.project = c.token(c.env["OS_USERNAME"], c.env["OS_PASSWORD"], "admin")[1]["token"]["project"]["id"]
        r = self.nova("PUT", f"/os-quota-sets/{self.project}",
                      {"quota_set": {"instances": 1000, "cores": 1000, "ram": 10000000}})
        self.assertEqual(r.status, 200, r)
        r = self.nova("POST", "/flavors", {"flavor": {"name": "storm", "ram": 128, "vcpus": 1, "disk": 1}})
        self.flavor = r.json()["flavor"]["id"]
        r = c.request("POST", "/image/v2/images", self.token,
                      {"name": "storm", "disk_format": "raw", "container_format": "bare"})
        self.image = r.json()["id"]
        c.request("PUT", f"/image/v2/images/{self.image}/file", self.token, raw=b"\1" * 8192,
                  headers={"Content-Type": "application/octet-stream"})
        self.assertTrue(wait_until(lambda: self.hosts_up() == compute_nodes, 30, 0.2))

    def nova(self, method, path, body=None):
        return self.cluster.request(method, NOVA + path, self.token, body, headers=LATEST)

    def hosts_up(self):
        r = self.nova("GET", "/os-hypervisors")
        return sum(h["state"] == "up" for h in r.json()["hypervisors"]) if r.status == 200 else 0

    def storm(self, during):
        """Boots SERVERS servers in batches from 4 threads; runs `during`
        beside them once a quarter are acknowledged. Returns the
        acknowledged reservations."""
        acknowledged = []
        lock = threading.Lock()
        batches = list(range(SERVERS // BATCH))
        fired = threading.Event()

        def worker():
            while True:
                with lock:
                    if not batches:
                        return
                    batches.pop()
                body = {"server": {"name": "storm", "imageRef": self.image, "flavorRef": self.flavor,
                                   "networks": "none", "min_count": BATCH, "max_count": BATCH,
                                   "return_reservation_id": True}}
                r = None
                deadline = time.monotonic() + 60
                while r is None and time.monotonic() < deadline:
                    try:
                        r = self.nova("POST", "/servers", body)
                    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                        time.sleep(0.2)  # the controller is down: try again, as a client would
                if r is None or r.status == 503:
                    continue
                if r.status == 202:
                    with lock:
                        acknowledged.append(r.json()["reservation_id"])
                        if len(acknowledged) * BATCH >= SERVERS // 4 and not fired.is_set():
                            fired.set()
                            side.start()

        side = threading.Thread(target=during)
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        side.join()
        return acknowledged

    def all_servers(self):
        r = self.nova("GET", "/servers/detail?limit=1000")
        self.assertEqual(r.status, 200, r)
        return r.json()["servers"]

    def settle_and_check(self, acknowledged):
        settled = wait_until(lambda: all(s["status"] in ("ACTIVE", "ERROR") for s in self.all_servers()),
                             timeout=120, interval=0.5)
        servers = self.all_servers()
        states = collections.Counter(s["status"] for s in servers)
        self.assertTrue(settled, f"servers still building: {states}")
        ids = [s["id"] for s in servers]
        self.assertEqual(len(ids), len(set(ids)), "a server appears twice")
        by_reservation = collections.Counter(s["OS-EXT-SRV-ATTR:reservation_id"] for s in servers)
        for reservation in acknowledged:
            self.assertEqual(by_reservation[reservation], BATCH, f"servers of {reservation} lost")
        for s in servers:
            if s["status"] == "ERROR":
                print("  fault:", s.get("fault", {}).get("message"), file=sys.stderr)
                self.assertIn("fault", s, s)
                self.assertTrue(s["fault"]["message"])
        # Placement: the project's usage is exactly what live servers hold.
        used = collections.Counter()
        for s in servers:
            allocations = self.cluster.request("GET", f"/placement/allocations/{s['id']}", self.token,
                                               headers=PLACEMENT).json()["allocations"]
            if s["status"] == "ERROR":
                self.assertEqual(allocations, {}, f"{s['id']} failed but holds resources")
            for a in allocations.values():
                used.update(a["resources"])
        usages = self.cluster.request("GET", f"/placement/usages?project_id={self.project}", self.token,
                                      headers=PLACEMENT).json()["usages"]
        self.assertEqual({k: v for k, v in usages.items() if v}, dict(used))
        hosts = collections.Counter(s.get("OS-EXT-SRV-ATTR:host") for s in servers)
        print(f"\n  {len(servers)} servers: {dict(states)}, by host: {dict(hosts)}", file=sys.stderr)
        return states, hosts

    def test_compute_node_killed_mid_storm(self):
        self.start(compute_nodes=3)
        victim = self.cluster.node_pid("cmp-1")

        def kill_once_it_builds():
            # Killed while it holds servers: some built, some building.
            self.assertTrue(wait_until(lambda: self.nova("GET", "/servers?host=cmp-1&all_tenants=1")
                                       .json()["servers"], 30, 0.01))
            os.kill(victim, signal.SIGKILL)

        acknowledged = self.storm(kill_once_it_builds)
        self.assertEqual(len(acknowledged) * BATCH, SERVERS)
        states, hosts = self.settle_and_check(acknowledged)
        # With two hosts left, every build that failed on cmp-1 found an
        # alternate; what cmp-1 had built stays ACTIVE there.
        self.assertEqual(states["ACTIVE"], SERVERS, states)

    def test_controller_restarted_mid_storm(self):
        self.start(compute_nodes=2)

        def restart():
            os.kill(self.cluster.node_pid("ctl-1"), signal.SIGKILL)
            time.sleep(0.2)  # let the process go before the launcher looks
            self.cluster.relaunch()

        acknowledged = self.storm(restart)
        self.assertGreater(len(acknowledged), 0)
        states, hosts = self.settle_and_check(acknowledged)
        # A batch whose answer the restart cut off may exist too; it is not lost either.
        self.assertEqual(states["ACTIVE"], sum(states.values()), states)


if __name__ == "__main__":
    unittest.main(verbosity=2)
