"""Nova's security-group proxy over HTTP, against a cluster with a compute
node and its network agent: os-security-groups and os-security-group-rules
(microversion 2.35) create, show, list, update and delete the Networking
API's groups and ingress rules, with Nova's view of them (egress rules
left out, ICMP type/code and -1, the source group by name) and Nova's
errors for bad rules; from 2.36 on they are not found. A server booted
with `security_groups` has ports in those groups (GET
/servers/{id}/os-security-groups, server show), addSecurityGroup /
removeSecurityGroup change its port's groups as the Networking API shows
them, and a group in use cannot be deleted. Skipped (with the reason)
when not root: the agent builds kernel devices.
https://docs.openstack.org/api-ref/compute/#security-groups-os-security-groups-deprecated"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

SKIP = 77
NOVA = "/compute/v2.1"
PROXY = {"OpenStack-API-Version": "compute 2.35"}
NO_PROXY = {"OpenStack-API-Version": "compute 2.36"}
LATEST = {"OpenStack-API-Version": "compute 2.79"}
SETTINGS = {"identity": {"password_cost": "4"},
            "network-agent": {"resync_interval_ms": "300", "report_interval": "1"}}


class ComputeSecurityGroups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(SETTINGS, compute_nodes=1, network_agents=True).__enter__()
        env = cls.cluster.env
        cls.token, body = cls.cluster.token(env["OS_USERNAME"], env["OS_PASSWORD"], "admin")
        cls.project = body["token"]["project"]["id"]
        cls.flavor, cls.image = cls.cluster.tiny_flavor_and_image(cls.token)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)

    def nova(self, method, path, body=None, version=PROXY):
        return self.cluster.request(method, NOVA + path, self.token, body, headers=version)

    def neutron(self, method, path, body=None, expect=None):
        r = self.cluster.request(method, "/network/v2.0" + path, self.token, body)
        if expect is not None:
            self.assertEqual(r.status, expect, r)
        return r.json() if r.body else None

    def assertFault(self, r, status, fault, text=None):
        self.assertEqual(r.status, status, r)
        body = r.json()[fault]
        self.assertEqual(body["code"], status)
        if text is not None:
            self.assertIn(text, body["message"])

    def group(self, name, description="d"):
        r = self.nova("POST", "/os-security-groups",
                      {"security_group": {"name": name, "description": description}})
        self.assertEqual(r.status, 200, r)
        return r.json()["security_group"]

    def rule(self, expect=200, **rule):
        r = self.nova("POST", "/os-security-group-rules", {"security_group_rule": rule})
        self.assertEqual(r.status, expect, r)
        return r

    def test_groups_and_rules_through_the_proxy(self):
        web = self.group("web", "web servers")
        self.assertEqual((web["name"], web["description"], web["tenant_id"], web["rules"]),
                         ("web", "web servers", self.project, []))  # its egress rules not shown
        listed = self.nova("GET", "/os-security-groups").json()["security_groups"]
        self.assertIn("web", [g["name"] for g in listed])
        default = [g for g in listed if g["name"] == "default"][0]
        # The default group's ingress rules: from its own members, IPv4 and IPv6.
        self.assertEqual([r["group"] for r in default["rules"]],
                         [{"name": "default", "tenant_id": self.project}] * 2)
        self.assertEqual({(r["ip_protocol"], r["from_port"], r["ip_range"].get("cidr"))
                          for r in default["rules"]}, {(None, None, None)})

        r = self.nova("PUT", f"/os-security-groups/{web['id']}",
                      {"security_group": {"name": "www", "description": "public"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["security_group"]["name"],
                          r.json()["security_group"]["description"]), ("www", "public"))

        ssh = self.rule(parent_group_id=web["id"], ip_protocol="tcp", from_port=22, to_port=22,
                        cidr="10.0.0.0/24").json()["security_group_rule"]
        self.assertEqual(ssh, {"id": ssh["id"], "parent_group_id": web["id"], "ip_protocol": "tcp",
                               "from_port": 22, "to_port": 22, "group": {},
                               "ip_range": {"cidr": "10.0.0.0/24"}})
        ping = self.rule(parent_group_id=web["id"], ip_protocol="icmp", from_port=-1, to_port=-1,
                         group_id=default["id"]).json()["security_group_rule"]
        self.assertEqual((ping["from_port"], ping["to_port"], ping["group"], ping["ip_range"]),
                         (-1, -1, {"name": "default", "tenant_id": self.project}, {}))
        # What the Networking API holds: ingress rules, -1 as no port range.
        held = {r["id"]: r for r in self.neutron(
            "GET", f"/security-group-rules?security_group_id={web['id']}")["security_group_rules"]}
        self.assertEqual(len(held), 4)  # two egress rules besides
        self.assertEqual((held[ssh["id"]]["direction"], held[ssh["id"]]["port_range_min"],
                          held[ssh["id"]]["remote_ip_prefix"]), ("ingress", 22, "10.0.0.0/24"))
        self.assertEqual((held[ping["id"]]["port_range_min"], held[ping["id"]]["remote_group_id"]),
                         (None, default["id"]))
        shown = self.nova("GET", f"/os-security-groups/{web['id']}").json()["security_group"]
        self.assertEqual(sorted(r["id"] for r in shown["rules"]), sorted([ssh["id"], ping["id"]]))

        # Nova's errors for rules.
        base = {"parent_group_id": web["id"], "ip_protocol": "tcp", "cidr": "10.0.0.0/24"}
        self.assertFault(self.rule(400, **base, from_port=22, to_port=22), 400, "badRequest",
                         "This rule already exists in group " + web["id"])
        self.assertFault(self.rule(400, **base, from_port=80, to_port=22), 400, "badRequest",
                         "Invalid port range 80:22. Former value cannot be greater than the later")
        self.assertFault(self.rule(400, **dict(base, ip_protocol="gre"), from_port=1, to_port=2),
                         400, "badRequest", "Invalid IP protocol gre.")
        self.assertFault(self.rule(400, **dict(base, cidr="10.0.0.300/24"), from_port=1, to_port=2),
                         400, "badRequest", "10.0.0.300/24 is not a valid IP network.")
        self.assertFault(self.rule(400, parent_group_id=web["id"], cidr="10.0.0.0/24"),
                         400, "badRequest", "Not enough parameters to build a valid rule.")
        self.assertFault(self.rule(400, **dict(base, parent_group_id="nope"), from_port=1, to_port=2),
                         400, "badRequest", "Security group id should be uuid")
        missing = "00000000-0000-4000-8000-000000000000"
        self.assertFault(self.rule(404, **dict(base, parent_group_id=missing), from_port=1, to_port=2),
                         404, "itemNotFound")

        r = self.nova("DELETE", f"/os-security-group-rules/{ssh['id']}")
        self.assertEqual(r.status, 202, r)
        self.assertNotIn(ssh["id"], [x["id"] for x in self.neutron(
            "GET", f"/security-group-rules?security_group_id={web['id']}")["security_group_rules"]])
        self.assertFault(self.nova("DELETE", f"/os-security-group-rules/{ssh['id']}"), 404,
                         "itemNotFound")

        # From 2.36 on the proxy is gone; the groups are still there.
        for method, path in (("GET", "/os-security-groups"), ("POST", "/os-security-groups"),
                             ("GET", f"/os-security-groups/{web['id']}"),
                             ("DELETE", f"/os-security-groups/{web['id']}"),
                             ("POST", "/os-security-group-rules")):
            self.assertFault(self.nova(method, path, {"x": {}} if method == "POST" else None,
                                       version=NO_PROXY), 404, "itemNotFound")

        self.assertEqual(self.nova("DELETE", f"/os-security-groups/{web['id']}").status, 202)
        self.assertFault(self.nova("GET", f"/os-security-groups/{web['id']}"), 404, "itemNotFound")
        self.neutron("GET", f"/security-groups/{web['id']}", expect=404)
        self.assertFault(self.nova("GET", "/os-security-groups/nope"), 400, "badRequest",
                         "Security group id should be uuid")
        self.assertFault(self.nova("POST", "/os-security-groups",
                                   {"security_group": {"name": "x"}}), 400, "badRequest",
                         "description is not a string or unicode")
        self.assertFault(self.nova("POST", "/os-security-groups",
                                   {"security_group": {"name": "default", "description": "d"}}),
                         403, "forbidden", "Default security group already exists.")

    def test_a_server_in_groups(self):
        self.cluster.wait_compute_nodes_up(self.token, 1, agents=True)
        net = self.neutron("POST", "/networks", {"network": {"name": "sg-net"}}, 201)["network"]
        self.neutron("POST", "/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                     "cidr": "10.50.0.0/24"}}, 201)
        app = self.group("app")

        def boot(name, groups):
            return self.nova("POST", "/servers", {"server": {
                "name": name, "imageRef": self.image, "flavorRef": self.flavor,
                "networks": [{"uuid": net["id"]}], "security_groups": groups}}, version=LATEST)

        self.assertFault(boot("vm-x", [{"name": "nope"}]), 400, "badRequest",
                         "Unable to find security_group with name or id 'nope'")
        r = boot("vm-sg", [{"name": "app"}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["server"]["security_groups"], [{"name": "app"}])
        sid = r.json()["server"]["id"]

        def server():
            return self.nova("GET", f"/servers/{sid}", version=LATEST).json()["server"]

        self.assertTrue(wait_until(lambda: server()["status"] in ("ACTIVE", "ERROR"), 60, 0.2))
        self.assertEqual(server()["status"], "ACTIVE", server().get("fault"))
        self.assertEqual(server()["security_groups"], [{"name": "app"}])
        ports = self.neutron("GET", f"/ports?device_id={sid}")["ports"]
        self.assertEqual(len(ports), 1)
        port = ports[0]["id"]

        def port_groups():
            return sorted(self.neutron("GET", f"/ports/{port}")["port"]["security_groups"])

        self.assertEqual(port_groups(), [app["id"]])
        groups = self.nova("GET", f"/servers/{sid}/os-security-groups", version=LATEST).json()
        self.assertEqual([g["id"] for g in groups["security_groups"]], [app["id"]])

        # A group in use: Neutron's 409, Nova's 400.
        self.assertFault(self.nova("DELETE", f"/os-security-groups/{app['id']}"), 400,
                         "badRequest", "in use")

        default = [g for g in self.neutron("GET", "/security-groups?name=default")[
            "security_groups"] if g["project_id"] == self.project][0]
        r = self.nova("POST", f"/servers/{sid}/action", {"addSecurityGroup": {"name": "default"}},
                      version=LATEST)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(port_groups(), sorted([app["id"], default["id"]]))
        self.assertEqual(sorted(g["name"] for g in server()["security_groups"]), ["app", "default"])
        self.assertFault(self.nova("POST", f"/servers/{sid}/action",
                                   {"addSecurityGroup": {"name": "nope"}}, version=LATEST),
                         404, "itemNotFound",
                         f"Security group nope is not found for project {self.project}")
        self.assertFault(self.nova("POST", f"/servers/{sid}/action",
                                   {"addSecurityGroup": {"name": " "}}, version=LATEST),
                         400, "badRequest", "Security group name cannot be empty")

        r = self.nova("POST", f"/servers/{sid}/action", {"removeSecurityGroup": {"name": app["id"]}},
                      version=LATEST)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(port_groups(), [default["id"]])
        self.assertEqual(server()["security_groups"], [{"name": "default"}])
        # Nova's neutron driver: a group none of the server's ports has is not found.
        self.assertFault(self.nova("POST", f"/servers/{sid}/action",
                                   {"removeSecurityGroup": {"name": "app"}}, version=LATEST),
                         404, "itemNotFound", f"Security group app not associated with the instance {sid}")

        self.assertEqual(self.nova("DELETE", f"/servers/{sid}", version=LATEST).status, 204)
        self.assertTrue(wait_until(lambda: self.nova("GET", f"/servers/{sid}").status == 404, 30, 0.2))
        self.assertEqual(self.nova("DELETE", f"/os-security-groups/{app['id']}").status, 202)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root for the network agent's namespaces and kernel devices")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
