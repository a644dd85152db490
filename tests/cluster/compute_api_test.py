"""Placement and the Compute API over HTTP, against a cluster of a
controller and two compute nodes (libvirt's test driver) that the launcher
started: servers boot through the scheduler and the compute-conductor onto
the compute nodes, take actions, spread by server group policy, fail with
"No valid host" when nothing fits, give their placement allocations back,
and bad input gets Nova's and Placement's errors.
https://docs.openstack.org/api-ref/compute/  https://docs.openstack.org/api-ref/placement/"""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

NOVA = "/compute/v2.1"
LATEST = {"OpenStack-API-Version": "compute 2.79"}
PLACEMENT = {"OpenStack-API-Version": "placement 1.39"}
SETTINGS = {
    "compute": {"report_interval": "1", "sync_power_state_interval": "1", "vcpus": "4",
                "memory_mb": "4608", "disk_gb": "40"},
    "compute-conductor": {"service_down_time": "5"},
}


class ComputeApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=2).__enter__()
        cls.token = cls.cluster.admin_token()
        c = cls.cluster
        r = c.request("POST", f"{NOVA}/flavors", cls.token, {"flavor": {
            "name": "small", "ram": 256, "vcpus": 1, "disk": 1}})
        assert r.status == 200, r
        cls.flavor = r.json()["flavor"]["id"]
        r = c.request("POST", f"{NOVA}/flavors", cls.token, {"flavor": {
            "name": "huge", "ram": 40960, "vcpus": 1, "disk": 1}})
        cls.huge = r.json()["flavor"]["id"]
        r = c.request("POST", "/image/v2/images", cls.token,
                      {"name": "tiny", "disk_format": "raw", "container_format": "bare"})
        cls.image = r.json()["id"]
        r = c.request("PUT", f"/image/v2/images/{cls.image}/file", cls.token, raw=b"\0" * 4096,
                      headers={"Content-Type": "application/octet-stream"})
        assert r.status == 204, r
        assert wait_until(lambda: cls.hypervisors_up() == 2, timeout=30), "compute nodes did not report"

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    @classmethod
    def hypervisors_up(cls):
        r = cls.cluster.request("GET", f"{NOVA}/os-hypervisors", cls.token)
        return sum(h["state"] == "up" for h in r.json()["hypervisors"]) if r.status == 200 else 0

    def nova(self, method, path, body=None, headers=LATEST, token=None):
        return self.cluster.request(method, NOVA + path, token or self.token, body, headers=headers)

    def placement(self, method, path, body=None):
        return self.cluster.request(method, "/placement" + path, self.token, body, headers=PLACEMENT)

    def boot(self, name, flavor=None, **extra):
        server = {"name": name, "imageRef": self.image, "flavorRef": flavor or self.flavor,
                  "networks": "none"}
        hints = extra.pop("hints", None)
        server.update(extra)
        body = {"server": server}
        if hints:
            body["os:scheduler_hints"] = hints
        r = self.nova("POST", "/servers", body)
        self.assertEqual(r.status, 202, r)
        return r.json()["server"]["id"]

    def server(self, sid):
        r = self.nova("GET", f"/servers/{sid}")
        return r.json()["server"] if r.status == 200 else None

    def wait_status(self, sid, status, timeout=30):
        ok = wait_until(lambda: (self.server(sid) or {}).get("status") == status, timeout, 0.1)
        self.assertTrue(ok, f"{sid} is {self.server(sid)}, not {status}")
        return self.server(sid)

    def delete(self, sid):
        r = self.nova("DELETE", f"/servers/{sid}")
        self.assertEqual(r.status, 204, r)
        self.assertTrue(wait_until(lambda: self.nova("GET", f"/servers/{sid}").status == 404, 30, 0.1))

    def project_usage(self):
        project = self.server_project
        return self.placement("GET", f"/usages?project_id={project}").json()["usages"]

    @property
    def server_project(self):
        return self.cluster.token(self.cluster.env["OS_USERNAME"], self.cluster.env["OS_PASSWORD"],
                                  "admin")[1]["token"]["project"]["id"]

    # -- the life of a server

    def test_boot_act_and_delete(self):
        sid = self.boot("life")
        s = self.wait_status(sid, "ACTIVE")
        self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("cmp-1", "cmp-2"))
        self.assertEqual(s["OS-EXT-STS:power_state"], 1)
        self.assertIn(sid, [x["id"] for x in self.nova("GET", "/servers").json()["servers"]])
        for action, status in [({"reboot": {"type": "SOFT"}}, "ACTIVE"), ({"os-stop": None}, "SHUTOFF"),
                               ({"os-start": None}, "ACTIVE"), ({"pause": None}, "PAUSED"),
                               ({"unpause": None}, "ACTIVE"), ({"suspend": None}, "SUSPENDED"),
                               ({"resume": None}, "ACTIVE"), ({"reboot": {"type": "HARD"}}, "ACTIVE")]:
            r = self.nova("POST", f"/servers/{sid}/action", action)
            self.assertEqual(r.status, 202, (action, r))
            s = self.wait_status(sid, status)
            self.wait_task_done(sid)
        actions = self.nova("GET", f"/servers/{sid}/os-instance-actions").json()["instanceActions"]
        self.assertEqual(actions[-1]["action"], "create")
        self.assertEqual([a["action"] for a in actions[:2]], ["reboot", "resume"])
        detail = self.nova("GET", f"/servers/{sid}/os-instance-actions/{actions[-1]['request_id']}").json()
        events = {e["event"]: e["result"] for e in detail["instanceAction"]["events"]}
        self.assertEqual(events.get("compute_build_and_run_instance"), "Success")
        self.delete(sid)

    def wait_task_done(self, sid):
        self.assertTrue(wait_until(lambda: self.server(sid)["OS-EXT-STS:task_state"] is None, 30, 0.1))

    def test_actions_in_the_wrong_state_conflict(self):
        sid = self.boot("wrong-state")
        self.wait_status(sid, "ACTIVE")
        r = self.nova("POST", f"/servers/{sid}/action", {"os-start": None})
        self.assertEqual(r.status, 409, r)
        self.assertIn("conflictingRequest", r.json())
        r = self.nova("POST", f"/servers/{sid}/action", {"unpause": None})
        self.assertEqual(r.status, 409, r)
        self.delete(sid)

    # -- scheduling

    def test_min_count_spreads_over_both_nodes(self):
        g = self.nova("POST", "/os-server-groups",
                      {"server_group": {"name": "spread", "policy": "soft-anti-affinity"}}).json()["server_group"]
        r = self.nova("POST", "/servers", {"server": {
            "name": "many", "imageRef": self.image, "flavorRef": self.flavor, "networks": "none",
            "min_count": 10, "max_count": 10, "return_reservation_id": True},
            "os:scheduler_hints": {"group": g["id"]}})
        self.assertEqual(r.status, 202, r)
        reservation = r.json()["reservation_id"]
        ids = [s["id"] for s in self.nova("GET", f"/servers?reservation_id={reservation}").json()["servers"]]
        self.assertEqual(len(ids), 10)
        hosts = [self.wait_status(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for sid in ids]
        self.assertEqual(sorted(set(hosts)), ["cmp-1", "cmp-2"])
        self.assertEqual(hosts.count("cmp-1"), 5, hosts)
        members = self.nova("GET", f"/os-server-groups/{g['id']}").json()["server_group"]["members"]
        self.assertEqual(sorted(members), sorted(ids))
        for sid in ids:
            self.nova("DELETE", f"/servers/{sid}")
        for sid in ids:
            self.assertTrue(wait_until(lambda: self.nova("GET", f"/servers/{sid}").status == 404, 30, 0.1))

    def test_anti_affinity_leaves_no_valid_host_for_a_third(self):
        g = self.nova("POST", "/os-server-groups",
                      {"server_group": {"name": "apart", "policy": "anti-affinity"}}).json()["server_group"]
        first = self.boot("apart-1", hints={"group": g["id"]})
        second = self.boot("apart-2", hints={"group": g["id"]})
        hosts = {self.wait_status(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in (first, second)}
        self.assertEqual(hosts, {"cmp-1", "cmp-2"})
        third = self.boot("apart-3", hints={"group": g["id"]})
        s = self.wait_status(third, "ERROR")
        self.assertIn("No valid host", s["fault"]["message"])
        self.assertIn("ServerGroupAntiAffinityFilter", s["fault"]["message"])
        for sid in (first, second, third):
            self.delete(sid)

    def test_flavor_larger_than_any_host_is_no_valid_host(self):
        sid = self.boot("too-big", flavor=self.huge)
        s = self.wait_status(sid, "ERROR")
        self.assertEqual(s["fault"]["code"], 500)
        self.assertIn("No valid host was found", s["fault"]["message"])
        self.delete(sid)

    def test_allocations_are_released_after_delete(self):
        before = self.project_usage()
        sid = self.boot("counted")
        self.wait_status(sid, "ACTIVE")
        during = self.project_usage()
        self.assertEqual(during.get("MEMORY_MB", 0) - before.get("MEMORY_MB", 0), 256)
        r = self.placement("GET", f"/allocations/{sid}").json()
        self.assertEqual(list(r["allocations"].values())[0]["resources"]["VCPU"], 1)
        self.delete(sid)
        self.assertTrue(wait_until(lambda: self.project_usage() == before, 10, 0.1))
        self.assertEqual(self.placement("GET", f"/allocations/{sid}").json()["allocations"], {})

    # -- placement through the gateway

    def test_placement_generations_conflict(self):
        rp = self.placement("POST", "/resource_providers", {"name": "extra-" + uuid.uuid4().hex[:8]}).json()
        body = {"resource_provider_generation": rp["generation"], "inventories": {"VCPU": {"total": 2}}}
        self.assertEqual(self.placement("PUT", f"/resource_providers/{rp['uuid']}/inventories", body).status, 200)
        stale = self.placement("PUT", f"/resource_providers/{rp['uuid']}/inventories", body)
        self.assertEqual(stale.status, 409)
        self.assertEqual(stale.json()["errors"][0]["code"], "placement.concurrent_update")
        self.assertEqual(self.placement("DELETE", f"/resource_providers/{rp['uuid']}").status, 204)
        r = self.cluster.request("GET", "/placement/resource_providers", self.token,
                                 headers={"OpenStack-API-Version": "placement 1.99"})
        self.assertEqual(r.status, 406)
        self.assertEqual(r.json()["errors"][0]["max_version"], "1.39")

    # -- bad input

    def test_bad_input(self):
        def create(**server):
            body = {"name": "bad", "imageRef": self.image, "flavorRef": self.flavor, "networks": "none"}
            body.update(server)
            return self.nova("POST", "/servers", {"server": body})
        r = create(flavorRef="no-such-flavor")
        self.assertEqual(r.status, 400, r)
        self.assertIn("badRequest", r.json())
        self.assertEqual(create(imageRef=str(uuid.uuid4())).status, 400)
        self.assertEqual(create(min_count=11).status, 403)  # the default quota is 10 instances
        self.assertEqual(create(max_count="99999999999999").status, 400)
        self.assertEqual(create(min_count=0).status, 400)
        r = self.nova("GET", "/servers", headers={"OpenStack-API-Version": "compute 2.a"})
        self.assertEqual(r.status, 400, r)
        r = self.nova("GET", "/servers", headers={"OpenStack-API-Version": "compute 2.99"})
        self.assertEqual(r.status, 406, r)
        r = self.cluster.request("POST", NOVA + "/servers", self.token, raw=b"{not json",
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.nova("GET", f"/servers/{uuid.uuid4()}").status, 404)

    def test_version_documents(self):
        r = self.cluster.request("GET", "/compute/v2.1")
        self.assertEqual(r.json()["version"]["version"], "2.79")
        r = self.cluster.request("GET", "/placement/")
        self.assertEqual(r.json()["versions"][0]["max_version"], "1.39")


if __name__ == "__main__":
    unittest.main()
