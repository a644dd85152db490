"""Acceptance: servers with the real `openstack` CLI (and osc-placement)
against a cluster of a controller and two compute nodes the launcher
started: flavor create/list, server create --wait, list, show, reboot,
stop/start, delete --wait, hypervisor list, resource provider list and
usage."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from openstack_cli import CliTestCase, main  # noqa: E402
from stratus_cluster import Cluster, wait_until  # noqa: E402

# --network none needs 2.37; the CLI's default is 2.1.
COMPUTE = ("--os-compute-api-version", "2.37")
SETTINGS = {"identity": {"password_cost": "4"},
            "compute": {"report_interval": "1", "sync_power_state_interval": "2"}}


class ComputeCli(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=2).__enter__()
        cls.work = tempfile.mkdtemp(prefix="stratus-compute-cli-")
        cls.disk = os.path.join(cls.work, "disk.img")
        with open(cls.disk, "wb") as f:
            f.write(os.urandom(1024 * 1024))

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def status(self, name):
        return self.osc_json(*COMPUTE, "server", "show", name)["status"]

    def test_server_lifecycle_with_the_cli(self):
        self.assertTrue(wait_until(lambda: len(self.osc_json("hypervisor", "list")) == 2, 30, 0.5))
        hypervisors = self.osc_json("hypervisor", "list")
        self.assertEqual(sorted(h["Hypervisor Hostname"] for h in hypervisors), ["cmp-1", "cmp-2"])
        self.assertEqual({h["State"] for h in hypervisors}, {"up"})
        providers = self.osc_json("resource", "provider", "list")
        self.assertEqual(sorted(p["name"] for p in providers), ["cmp-1", "cmp-2"])

        self.osc("flavor", "create", "--vcpus", "1", "--ram", "512", "--disk", "1", "m1.tiny")
        self.assertIn("m1.tiny", [f["Name"] for f in self.osc_json("flavor", "list")])
        self.osc("image", "create", "--file", self.disk, "--disk-format", "raw",
                 "--container-format", "bare", "tiny-image")

        server = self.osc_json(*COMPUTE, "server", "create", "--image", "tiny-image", "--flavor",
                               "m1.tiny", "--network", "none", "--wait", "vm-1")
        self.assertEqual(server["status"], "ACTIVE")
        host = server["OS-EXT-SRV-ATTR:host"]
        self.assertIn(host, ("cmp-1", "cmp-2"))
        self.assertIn(("vm-1", "ACTIVE"), [(s["Name"], s["Status"]) for s in
                                           self.osc_json(*COMPUTE, "server", "list")])
        shown = self.osc_json(*COMPUTE, "server", "show", "vm-1")
        self.assertEqual((shown["flavor"].split(" ")[0], shown["image"].split(" ")[0]),
                         ("m1.tiny", "tiny-image"))

        # The allocation is on the chosen host's provider.
        provider = [p["uuid"] for p in providers if p["name"] == host][0]
        usage = {u["resource_class"]: u["usage"] for u in
                 self.osc_json("resource", "provider", "usage", "show", provider)}
        self.assertEqual((usage["VCPU"], usage["MEMORY_MB"]), (1, 512))

        self.osc(*COMPUTE, "server", "reboot", "--wait", "vm-1")
        self.assertEqual(self.status("vm-1"), "ACTIVE")
        self.osc(*COMPUTE, "server", "stop", "vm-1")
        self.assertTrue(wait_until(lambda: self.status("vm-1") == "SHUTOFF", 30, 0.5))
        self.osc(*COMPUTE, "server", "start", "vm-1")
        self.assertTrue(wait_until(lambda: self.status("vm-1") == "ACTIVE", 30, 0.5))

        self.osc(*COMPUTE, "server", "delete", "--wait", "vm-1")
        self.assertNotIn("vm-1", [s["Name"] for s in self.osc_json(*COMPUTE, "server", "list")])
        usage = {u["resource_class"]: u["usage"] for u in
                 self.osc_json("resource", "provider", "usage", "show", provider)}
        self.assertEqual((usage["VCPU"], usage["MEMORY_MB"]), (0, 0))


if __name__ == "__main__":
    main()
