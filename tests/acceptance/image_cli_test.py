"""Acceptance: images with the real `openstack` CLI against a cluster the
launcher started: upload, list, show, properties, sharing with another
project, download, delete (and the bytes gone from the store)."""

import filecmp
import hashlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from openstack_cli import CliTestCase, main  # noqa: E402
from stratus_cluster import Cluster, wait_until  # noqa: E402


class ImageCli(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster({"identity": {"password_cost": "4"}}).__enter__()
        cls.work = tempfile.mkdtemp(prefix="stratus-image-cli-")
        cls.disk = os.path.join(cls.work, "disk.img")
        with open(cls.disk, "wb") as f:
            f.write(os.urandom(3 * 1024 * 1024 + 4321))  # a few MB, not a round number

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def store_file(self, image_id):
        return os.path.join(self.cluster.node_dir("ctl-1"), "images", image_id)

    def test_image_lifecycle_with_the_cli(self):
        created = self.osc_json("image", "create", "--file", self.disk, "--disk-format", "raw",
                                "--container-format", "bare", "cli-image")
        image_id = created["id"]

        listed = self.osc_json("image", "list")
        self.assertIn(("cli-image", "active"), [(i["Name"], i["Status"]) for i in listed])

        shown = self.osc_json("image", "show", "cli-image")
        with open(self.disk, "rb") as f:
            md5 = hashlib.md5(f.read()).hexdigest()
        self.assertEqual((shown["status"], shown["size"], shown["checksum"]),
                         ("active", os.path.getsize(self.disk), md5))

        self.osc("image", "set", "--property", "hw_disk_bus=virtio", "--property",
                 "os_distro=stratus", "cli-image")
        props = self.osc_json("image", "show", "cli-image")["properties"]
        self.assertEqual((props["hw_disk_bus"], props["os_distro"]), ("virtio", "stratus"))

        # Sharing: another project's member sees the image once it accepts it.
        self.osc("project", "create", "guests")
        self.osc("user", "create", "--project", "guests", "--password", "pw-guest", "guest")
        self.osc("role", "add", "--user", "guest", "--project", "guests", "member")
        guest = dict(user="guest", password="pw-guest", project="guests")
        self.assertNotIn("cli-image", [i["Name"] for i in self.osc_json("image", "list", **guest)])
        member = self.osc_json("image", "add", "project", "cli-image", "guests")
        self.assertEqual(member["status"], "pending")
        self.osc("image", "set", "--accept", image_id, **guest)
        self.assertIn("cli-image", [i["Name"] for i in self.osc_json("image", "list", **guest)])
        rows = self.osc_json("image", "member", "list", "cli-image")
        self.assertEqual([r["Status"] for r in rows], ["accepted"])
        # …and may read it, not change it.
        denied = self.osc("image", "set", "--property", "x=y", image_id, check=False, **guest)
        self.assertNotEqual(denied.returncode, 0)

        saved = os.path.join(self.work, "saved.img")
        self.osc("image", "save", "--file", saved, "cli-image", **guest)
        self.assertTrue(filecmp.cmp(saved, self.disk, shallow=False))

        self.assertTrue(os.path.exists(self.store_file(image_id)))
        self.osc("image", "delete", "cli-image")
        self.assertNotIn("cli-image", [i["Name"] for i in self.osc_json("image", "list")])
        gone = self.osc("image", "show", image_id, check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertTrue(wait_until(lambda: not os.path.exists(self.store_file(image_id))))


if __name__ == "__main__":
    main()
