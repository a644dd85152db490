"""The Glance v2 API over HTTP, against a cluster the launcher started:
images and their data, listing, JSON patch, tags, sharing, deactivation,
and bad input (wrong formats, uploads that conflict, break off or exceed
the limits). https://docs.openstack.org/api-ref/image/v2/"""

import hashlib
import http.client
import json
import os
import socket
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

V2 = "/image/v2"
MB = 1 << 20
PATCH = "application/openstack-images-v2.1-json-patch"


def blocks(total, block=MB, seed=b"stratus"):
    """`total` bytes of reproducible data, block by block."""
    pattern = hashlib.sha512(seed).digest() * (block // 64 + 1)
    sent = 0
    while sent < total:
        n = min(block, total - sent)
        yield pattern[:n]
        sent += n


class ImageClient:
    """Streams image data through the gateway as glanceclient does."""

    def __init__(self, cluster):
        self.c = cluster
        self.url = urllib.parse.urlparse(cluster.base)

    def connection(self):
        return http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=120)

    def upload(self, image_id, token, data, length=None):
        """PUT …/file from an iterable of bytes; (status, body)."""
        conn = self.connection()
        conn.putrequest("PUT", f"{V2}/images/{image_id}/file")
        conn.putheader("X-Auth-Token", token)
        conn.putheader("Content-Type", "application/octet-stream")
        if length is None:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(length))
        conn.endheaders()
        try:
            for piece in data:
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if length is None else piece)
            if length is None:
                conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (413): read its answer
        r = conn.getresponse()
        body = r.read().decode()
        conn.close()
        return r.status, body

    def download(self, image_id, token):
        """GET …/file; (status, headers, md5 hex, size)."""
        conn = self.connection()
        conn.request("GET", f"{V2}/images/{image_id}/file", headers={"X-Auth-Token": token})
        r = conn.getresponse()
        md5 = hashlib.md5()
        size = 0
        while True:
            piece = r.read(4 * MB)
            if not piece:
                break
            md5.update(piece)
            size += len(piece)
        conn.close()
        return r.status, r.headers, md5.hexdigest(), size


    def get_range(self, image_id, token, byte_range):
        """GET …/file with a Range header; (status, headers, bytes)."""
        conn = self.connection()
        conn.request("GET", f"{V2}/images/{image_id}/file",
                     headers={"X-Auth-Token": token, "Range": byte_range})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, r.headers, body


class ImageApi(unittest.TestCase):
    QUOTA = 24 * MB
    CAP = 16 * MB

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster({"identity": {"password_cost": "4"},
                         "image-api": {"user_storage_quota": str(cls.QUOTA),
                                       "image_size_cap": str(cls.CAP)}}).__enter__()
        cls.admin = cls.c.admin_token()
        cls.data = ImageClient(cls.c)
        cls.store = os.path.join(cls.c.node_dir("ctl-1"), "images")
        # A second project with a member, to see what others see.
        r = cls.c.request("POST", "/identity/v3/projects", cls.admin, {"project": {"name": "demo"}})
        cls.demo_project = r.json()["project"]["id"]
        r = cls.c.request("POST", "/identity/v3/users", cls.admin,
                          {"user": {"name": "demo", "password": "pw",
                                    "default_project_id": cls.demo_project}})
        demo_user = r.json()["user"]["id"]
        roles = cls.c.request("GET", "/identity/v3/roles?name=member", cls.admin).json()["roles"]
        cls.c.request("PUT", f"/identity/v3/projects/{cls.demo_project}/users/{demo_user}/roles/"
                      f"{roles[0]['id']}", cls.admin)
        cls.demo = cls.c.token("demo", "pw", "demo")[0]

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def call(self, method, path, body=None, token=None, **kw):
        return self.c.request(method, V2 + path, token=token or self.admin, body=body, **kw)

    def patch(self, image_id, ops, token=None, content_type=PATCH):
        return self.call("PATCH", f"/images/{image_id}", token=token,
                         raw=json.dumps(ops).encode(), headers={"Content-Type": content_type})

    def create(self, token=None, **attrs):
        attrs.setdefault("disk_format", "raw")
        attrs.setdefault("container_format", "bare")
        r = self.call("POST", "/images", attrs, token)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def show(self, image_id, token=None):
        return self.call("GET", f"/images/{image_id}", token=token)

    def assertGlanceError(self, r, status):
        self.assertEqual(r.status, status, r)
        err = r.json()
        self.assertEqual(err["code"], status, err)
        self.assertTrue(err["title"] and err["message"], err)

    def incoming(self):
        return os.listdir(os.path.join(self.store, ".incoming"))

    # -- discovery and schemas --------------------------------------------------

    def test_version_document_names_v2_current(self):
        r = self.c.request("GET", "/image")
        versions = r.json()["versions"]
        self.assertTrue(versions[0]["id"].startswith("v2."))
        self.assertEqual(versions[0]["status"], "CURRENT")
        self.assertTrue(versions[0]["links"][0]["href"].endswith("/image/v2/"))

    def test_import_methods_none(self):
        info = self.call("GET", "/info/import").json()
        self.assertEqual(info["import-methods"]["value"], [])

    def test_schemas(self):
        image = self.call("GET", "/schemas/image").json()
        self.assertEqual(image["name"], "image")
        self.assertIn("qcow2", image["properties"]["disk_format"]["enum"])
        self.assertEqual(self.call("GET", "/schemas/images").json()["name"], "images")
        self.assertEqual(self.call("GET", "/schemas/member").json()["name"], "member")
        self.assertEqual(self.call("GET", "/schemas/members").json()["name"], "members")

    # -- images and their data ------------------------------------------------------

    def test_upload_show_download_delete(self):
        image = self.create(name="cirros-like", min_ram=64, tags=["boot"])
        self.assertEqual(image["status"], "queued")
        self.assertEqual(image["visibility"], "shared")
        self.assertEqual(image["self"], f"/v2/images/{image['id']}")
        payload = b"".join(blocks(3 * MB + 17))
        status, body = self.data.upload(image["id"], self.admin, [payload], len(payload))
        self.assertEqual(status, 204, body)
        shown = self.show(image["id"]).json()
        self.assertEqual(shown["status"], "active")
        self.assertEqual(shown["size"], len(payload))
        self.assertEqual(shown["checksum"], hashlib.md5(payload).hexdigest())
        self.assertEqual(shown["os_hash_algo"], "sha512")
        self.assertEqual(shown["os_hash_value"], hashlib.sha512(payload).hexdigest())
        status, headers, md5, size = self.data.download(image["id"], self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-MD5"], shown["checksum"])
        self.assertEqual((md5, size), (shown["checksum"], len(payload)))
        # Ranges, as Glance serves them.
        status, headers, body = self.data.get_range(image["id"], self.admin, "bytes=100-199")
        self.assertEqual((status, body), (206, payload[100:200]))
        self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(payload)}")
        status, _, body = self.data.get_range(image["id"], self.admin, "bytes=-10")
        self.assertEqual((status, body), (206, payload[-10:]))
        status, headers, _ = self.data.get_range(image["id"], self.admin,
                                                 f"bytes={len(payload)}-")
        self.assertEqual((status, headers["Content-Range"]), (416, f"bytes */{len(payload)}"))
        self.assertTrue(os.path.exists(os.path.join(self.store, image["id"])))
        self.assertEqual(self.call("DELETE", f"/images/{image['id']}").status, 204)
        self.assertGlanceError(self.show(image["id"]), 404)
        self.assertTrue(wait_until(lambda: not os.path.exists(os.path.join(self.store, image["id"]))))

    def test_an_empty_image_id_is_404(self):
        self.assertGlanceError(self.call("GET", "/images/"), 404)
        self.assertGlanceError(self.call("DELETE", "/images/"), 404)

    def test_download_without_data_is_204(self):
        image = self.create()
        status, _, _, size = self.data.download(image["id"], self.admin)
        self.assertEqual((status, size), (204, 0))

    def test_upload_to_an_active_image_is_409(self):
        image = self.create()
        self.assertEqual(self.data.upload(image["id"], self.admin, [b"x" * 1000], 1000)[0], 204)
        status, body = self.data.upload(image["id"], self.admin, [b"y" * 1000], 1000)
        self.assertEqual(status, 409, body)
        self.assertEqual(self.show(image["id"]).json()["size"], 1000)

    def test_upload_needs_formats_and_octet_stream(self):
        r = self.call("POST", "/images", {"name": "no-formats"})
        self.assertEqual(r.status, 201)
        status, body = self.data.upload(r.json()["id"], self.admin, [b"x"], 1)
        self.assertEqual(status, 400, body)
        image = self.create()
        r = self.c.request("PUT", f"{V2}/images/{image['id']}/file", self.admin, raw=b"{}",
                           headers={"Content-Type": "application/json"})
        self.assertGlanceError(r, 415)

    def test_wrong_formats_are_400(self):
        self.assertGlanceError(self.call("POST", "/images", {"disk_format": "floppy"}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"container_format": "box"}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"min_ram": -1}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"protected": "yes"}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"visibility": "everyone"}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"kernel_id": "not-a-uuid"}), 400)
        self.assertGlanceError(self.call("POST", "/images", ["not", "an", "object"]), 400)
        self.assertGlanceError(self.call("POST", "/images", {"status": "active"}), 403)
        self.assertGlanceError(self.call("POST", "/images", {"custom": 5}), 400)

    def test_names_and_properties_at_their_length_limits(self):
        image = self.create(name="n" * 255, **{"k" * 255: "v" * 255})
        self.assertEqual(len(image["name"]), 255)
        self.assertEqual(image["k" * 255], "v" * 255)
        self.assertGlanceError(self.call("POST", "/images", {"name": "n" * 256}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"k" * 256: "v"}), 400)
        self.assertGlanceError(self.call("POST", "/images", {"k": "v" * 256}), 400)
        self.assertGlanceError(self.patch(image["id"], [{"op": "replace", "path": "/name",
                                                         "value": "n" * 256}]), 400)

    def test_interrupted_upload_goes_back_to_queued_and_leaves_nothing(self):
        image = self.create()
        host, port = self.data.url.hostname, self.data.url.port
        s = socket.create_connection((host, port))
        s.sendall((f"PUT {V2}/images/{image['id']}/file HTTP/1.1\r\nHost: x\r\n"
                   f"X-Auth-Token: {self.admin}\r\nContent-Type: application/octet-stream\r\n"
                   f"Content-Length: {8 * MB}\r\n\r\n").encode() + b"z" * MB)
        self.assertTrue(wait_until(lambda: self.show(image["id"]).json()["status"] == "saving"))
        s.close()
        self.assertTrue(wait_until(lambda: self.show(image["id"]).json()["status"] == "queued"))
        self.assertTrue(wait_until(lambda: not self.incoming()))
        self.assertFalse(os.path.exists(os.path.join(self.store, image["id"])))

    def test_concurrent_uploads_to_one_image_have_one_winner(self):
        image = self.create()
        results = []

        def upload(seed):
            payload = b"".join(blocks(4 * MB, seed=seed))
            status, _ = self.data.upload(image["id"], self.admin, blocks(4 * MB, 256 * 1024, seed),
                                         len(payload))
            results.append((status, hashlib.md5(payload).hexdigest()))

        threads = [threading.Thread(target=upload, args=(s,)) for s in (b"one", b"two", b"three")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(s for s, _ in results)
        self.assertEqual(statuses.count(204), 1, results)
        self.assertTrue(all(s == 409 for s in statuses if s != 204), results)
        winner = [md5 for s, md5 in results if s == 204][0]
        self.assertEqual(self.show(image["id"]).json()["checksum"], winner)
        self.assertTrue(wait_until(lambda: not self.incoming()))

    def test_size_cap_and_quota_are_413(self):
        # Declared too large: refused before a byte is read.
        image = self.create()
        status, body = self.data.upload(image["id"], self.admin, [], self.CAP + 1)
        self.assertEqual(status, 413, body)
        self.assertEqual(json.loads(body)["code"], 413)
        self.assertEqual(self.show(image["id"]).json()["status"], "queued")
        # Too large only once read (chunked, no length): stopped at the cap.
        status, body = self.data.upload(image["id"], self.admin, blocks(self.CAP + MB))
        self.assertEqual(status, 413, body)
        self.assertTrue(wait_until(lambda: self.show(image["id"]).json()["status"] == "queued"))
        self.assertTrue(wait_until(lambda: not self.incoming()))
        # The project's quota: what is stored plus the new upload.
        demo_images = [self.create(token=self.demo) for _ in range(3)]
        self.assertEqual(self.data.upload(demo_images[0]["id"], self.demo, blocks(12 * MB),
                                          12 * MB)[0], 204)
        self.assertEqual(self.data.upload(demo_images[1]["id"], self.demo, blocks(10 * MB),
                                          10 * MB)[0], 204)
        status, body = self.data.upload(demo_images[2]["id"], self.demo, blocks(3 * MB), 3 * MB)
        self.assertEqual(status, 413, body)
        self.assertIn("remaining", json.loads(body)["message"])
        usage = self.call("GET", "/info/usage", token=self.demo).json()["usage"]
        self.assertEqual(usage["image_size_total"], {"limit": 24, "usage": 22})
        self.assertEqual(usage["image_count_total"]["usage"], 3)
        # Deleting frees the quota.
        self.assertEqual(self.call("DELETE", f"/images/{demo_images[0]['id']}",
                                   token=self.demo).status, 204)
        self.assertEqual(self.data.upload(demo_images[2]["id"], self.demo, blocks(3 * MB),
                                          3 * MB)[0], 204)

    # -- metadata -----------------------------------------------------------------

    def test_json_patch(self):
        image = self.create(name="before")
        path = f"/images/{image['id']}"
        r = self.patch(image["id"], [{"op": "replace", "path": "/name", "value": "after"},
                                     {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
                                     {"op": "add", "path": "/a~1b", "value": "slash"},
                                     {"op": "replace", "path": "/min_disk", "value": 2}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["name"], r.json()["hw_disk_bus"], r.json()["a/b"],
                          r.json()["min_disk"]), ("after", "virtio", "slash", 2))
        r = self.patch(image["id"], [{"op": "remove", "path": "/hw_disk_bus"}])
        self.assertNotIn("hw_disk_bus", r.json())
        # The older v2.0 media type, its operation named by its key.
        r = self.patch(image["id"], [{"replace": "/min_ram", "value": 128}],
                       content_type="application/openstack-images-v2.0-json-patch")
        self.assertEqual(r.json()["min_ram"], 128)
        self.assertGlanceError(self.patch(image["id"], [{"op": "remove", "path": "/name"}]), 403)
        self.assertGlanceError(self.patch(image["id"], [{"op": "remove", "path": "/nothing"}]), 409)
        self.assertGlanceError(self.patch(image["id"], [{"op": "replace", "path": "/status",
                                                         "value": "active"}]), 403)
        self.assertGlanceError(self.patch(image["id"], [{"op": "move", "path": "/name"}]), 400)
        self.assertGlanceError(self.patch(image["id"], [{"op": "add", "path": "/x"}], ), 400)
        self.assertGlanceError(self.patch(image["id"], [], content_type="application/json"), 415)
        r = self.call("PATCH", path, raw=b"[{", headers={"Content-Type": PATCH})
        self.assertGlanceError(r, 400)
        self.assertEqual(self.show(image["id"]).json()["name"], "after")  # failed patches changed nothing

    def test_tags(self):
        image = self.create()
        path = f"/images/{image['id']}/tags"
        self.assertEqual(self.call("PUT", path + "/fast").status, 204)
        self.assertEqual(self.call("PUT", path + "/fast").status, 204)
        self.assertEqual(self.show(image["id"]).json()["tags"], ["fast"])
        listed = self.call("GET", "/images?tag=fast").json()["images"]
        self.assertEqual([i["id"] for i in listed], [image["id"]])
        self.assertEqual(self.call("DELETE", path + "/fast").status, 204)
        self.assertGlanceError(self.call("DELETE", path + "/fast"), 404)
        self.assertGlanceError(self.call("PUT", path + "/" + "t" * 256), 400)

    def test_listing_pages_with_next_links_filters_and_sorting(self):
        ids = {self.create(name=f"page-{i:02}", tags=["paging"])["id"] for i in range(23)}
        seen, url = [], "/v2/images?tag=paging&limit=10"
        while url:
            r = self.c.request("GET", "/image" + url, self.admin)
            self.assertEqual(r.status, 200, (url, r))
            body = r.json()
            self.assertLessEqual(len(body["images"]), 10)
            seen += [i["id"] for i in body["images"]]
            url = body.get("next")
        self.assertEqual(len(seen), 23)
        self.assertEqual(set(seen), ids)
        names = [i["name"] for i in self.call("GET", "/images?tag=paging&sort=name:asc&limit=5")
                 .json()["images"]]
        self.assertEqual(names, [f"page-{i:02}" for i in range(5)])
        names = [i["name"] for i in self.call(
            "GET", "/images?tag=paging&sort_key=name&sort_dir=desc&limit=3").json()["images"]]
        self.assertEqual(names, ["page-22", "page-21", "page-20"])
        one = self.call("GET", "/images?name=page-07").json()["images"]
        self.assertEqual([i["name"] for i in one], ["page-07"])
        queued = self.call("GET", "/images?tag=paging&status=queued&limit=100").json()["images"]
        self.assertEqual(len(queued), 23)
        self.assertEqual(self.call("GET", "/images?tag=paging&status=active").json()["images"], [])
        self.assertGlanceError(self.call("GET", "/images?limit=-1"), 400)
        self.assertGlanceError(self.call("GET", "/images?sort_key=secret"), 400)
        self.assertGlanceError(self.call("GET", "/images?marker=no-such-image"), 400)

    def test_hidden_images_are_listed_only_when_asked(self):
        image = self.create(name="hidden-one", os_hidden=True)
        self.assertEqual(self.call("GET", "/images?name=hidden-one").json()["images"], [])
        listed = self.call("GET", "/images?name=hidden-one&os_hidden=True").json()["images"]
        self.assertEqual([i["id"] for i in listed], [image["id"]])

    # -- who sees and changes what ------------------------------------------------

    def test_visibility_and_sharing(self):
        private = self.create(name="mine", visibility="private")
        public = self.create(name="everyone", visibility="public")
        shared = self.create(name="shared-one")
        self.assertGlanceError(self.show(private["id"], self.demo), 404)
        self.assertEqual(self.show(public["id"], self.demo).status, 200)
        self.assertGlanceError(self.show(shared["id"], self.demo), 404)
        # Only admins publish; nobody but the owner changes an image.
        self.assertGlanceError(self.call("POST", "/images", {"visibility": "public"},
                                         self.demo), 403)
        self.assertGlanceError(self.patch(public["id"], [{"op": "replace", "path": "/name",
                                                          "value": "x"}], self.demo), 403)
        self.assertGlanceError(self.call("DELETE", f"/images/{public['id']}", token=self.demo), 403)
        # Members: only for shared images; pending until the member accepts.
        self.assertGlanceError(self.call("POST", f"/images/{private['id']}/members",
                                         {"member": self.demo_project}), 403)
        r = self.call("POST", f"/images/{shared['id']}/members", {"member": self.demo_project})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "pending")
        self.assertGlanceError(self.call("POST", f"/images/{shared['id']}/members",
                                         {"member": self.demo_project}), 409)
        self.assertEqual(self.show(shared["id"], self.demo).status, 200)
        listed = lambda: [i["id"] for i in self.call("GET", "/images", token=self.demo)
                          .json()["images"]]
        self.assertNotIn(shared["id"], listed())
        member = f"/images/{shared['id']}/members/{self.demo_project}"
        # A stranger does not even see the image.
        self.assertGlanceError(self.call("PUT", member, {"status": "accepted"},
                                         token=self.stranger()), 404)
        r = self.call("PUT", member, {"status": "accepted"}, token=self.demo)
        self.assertEqual(r.json()["status"], "accepted")
        self.assertIn(shared["id"], listed())
        self.assertNotIn(private["id"], listed())
        self.assertGlanceError(self.call("PUT", member, {"status": "maybe"}, token=self.demo), 400)
        members = self.call("GET", f"/images/{shared['id']}/members", token=self.demo).json()
        self.assertEqual([m["member_id"] for m in members["members"]], [self.demo_project])
        self.assertEqual(self.call("DELETE", member).status, 204)
        self.assertGlanceError(self.show(shared["id"], self.demo), 404)

    def stranger(self):
        """A token of a user of a third project, not an admin."""
        if not hasattr(self, "_other"):
            r = self.c.request("POST", "/identity/v3/users", self.admin,
                               {"user": {"name": "other", "password": "pw",
                                         "default_project_id": self.demo_project}})
            self.assertEqual(r.status, 201, r)
            roles = self.c.request("GET", "/identity/v3/roles?name=member", self.admin).json()
            other_project = self.c.request("POST", "/identity/v3/projects", self.admin,
                                           {"project": {"name": "other"}}).json()["project"]["id"]
            self.c.request("PUT", f"/identity/v3/projects/{other_project}/users/"
                           f"{r.json()['user']['id']}/roles/{roles['roles'][0]['id']}", self.admin)
            type(self)._other = self.c.token("other", "pw", "other")[0]
        return self._other

    def test_deactivate_and_reactivate(self):
        image = self.create(visibility="public")
        self.assertEqual(self.data.upload(image["id"], self.admin, [b"data"], 4)[0], 204)
        actions = f"/images/{image['id']}/actions"
        self.assertGlanceError(self.call("POST", actions + "/deactivate", token=self.demo), 403)
        self.assertEqual(self.call("POST", actions + "/deactivate").status, 204)
        self.assertEqual(self.show(image["id"]).json()["status"], "deactivated")
        self.assertEqual(self.data.download(image["id"], self.demo)[0], 403)
        self.assertEqual(self.data.download(image["id"], self.admin)[0], 200)
        self.assertEqual(self.call("POST", actions + "/reactivate").status, 204)
        self.assertEqual(self.data.download(image["id"], self.demo)[0], 200)
        queued = self.create()
        self.assertGlanceError(self.call("POST", f"/images/{queued['id']}/actions/deactivate"), 403)

    def test_protected_images_cannot_be_deleted(self):
        image = self.create(protected=True)
        self.assertGlanceError(self.call("DELETE", f"/images/{image['id']}"), 403)
        self.patch(image["id"], [{"op": "replace", "path": "/protected", "value": False}])
        self.assertEqual(self.call("DELETE", f"/images/{image['id']}").status, 204)

    def test_records_survive_a_restart(self):
        image = self.create(name="durable")
        self.assertEqual(self.data.upload(image["id"], self.admin, [b"bytes"], 5)[0], 204)
        os.kill(self.c.node_pid("ctl-1"), 9)  # a crash, not a stop
        self.c.relaunch()  # the other nodes keep running; ports are kept
        token = self.c.admin_token()
        type(self).admin = token
        shown = self.show(image["id"], token).json()
        self.assertEqual((shown["name"], shown["status"], shown["size"]), ("durable", "active", 5))
        self.assertEqual(self.data.download(image["id"], token)[3], 5)


class DataFromTheRole(unittest.TestCase):
    """A gateway that cannot read the store's files (the image role on
    another node; here `local_files = false`) pulls the data from the role."""

    def test_download_and_ranges_through_messages(self):
        with Cluster({"identity": {"password_cost": "4"},
                      "gateway": {"local_files": "false"}}) as c:
            token = c.admin_token()
            client = ImageClient(c)
            image = c.request("POST", f"{V2}/images", token, {"disk_format": "raw",
                                                              "container_format": "bare"}).json()
            payload = b"".join(blocks(9 * MB + 5))
            self.assertEqual(client.upload(image["id"], token, [payload], len(payload))[0], 204)
            status, headers, md5, size = client.download(image["id"], token)
            self.assertEqual((status, size), (200, len(payload)))
            self.assertEqual(md5, hashlib.md5(payload).hexdigest())
            self.assertEqual(headers["Content-MD5"], md5)
            status, _, body = client.get_range(image["id"], token, f"bytes={5 * MB}-{5 * MB + 99}")
            self.assertEqual((status, body), (206, payload[5 * MB:5 * MB + 100]))


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


class LargeImage(unittest.TestCase):
    """2 GiB through the gateway, up and down, in the memory of a few pieces."""
    SIZE = 2 << 30

    def test_two_gib_up_and_down_with_flat_memory(self):
        with Cluster({"identity": {"password_cost": "4"}}) as c:
            token = c.admin_token()
            client = ImageClient(c)
            r = c.request("POST", f"{V2}/images", token, {"name": "big", "disk_format": "raw",
                                                          "container_format": "bare"})
            image = r.json()
            md5 = hashlib.md5()

            def data():
                for piece in blocks(self.SIZE, 4 * MB):
                    md5.update(piece)
                    yield piece

            status, body = client.upload(image["id"], token, data(), self.SIZE)
            self.assertEqual(status, 204, body)
            shown = c.request("GET", f"{V2}/images/{image['id']}", token).json()
            self.assertEqual((shown["status"], shown["size"]), ("active", self.SIZE))
            self.assertEqual(shown["checksum"], md5.hexdigest())
            status, _, got_md5, size = client.download(image["id"], token)
            self.assertEqual((status, size, got_md5), (200, self.SIZE, md5.hexdigest()))
            peak = peak_rss_mb(c.node_pid("ctl-1"))
            print(f"node peak RSS after 2 GiB up and down: {peak:.0f} MB", file=sys.stderr)
            self.assertLess(peak, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
