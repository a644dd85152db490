// Routers and floating IPs without actors: interfaces by subnet and by
// port (overlaps, subnets without a gateway, routers in use), gateways
// only on external networks, floating IPs from external networks,
// association through a router (and the 404 without one), a deleted
// port's floating IP let go, quotas, scheduling onto a live agent and
// the data the agent there gets (host_routers).

#include <gtest/gtest.h>

#include "actors/network/network_api.hpp"
#include "tests/unit/network_api_calls.hpp"

using namespace stratus;
using namespace stratus::network;

namespace {

type_driver_config ranges() {
  type_driver_config c;
  c.vni_ranges = {{100, 110}};
  c.flat_networks = {"physnet1"};
  return c;
}

class RouterApi : public ::testing::Test {
protected:
  network_model model{ranges()};
  agent_registry agents;
  network_api api{model, agents, network_settings{}};
  int64_t now = 1'800'000'000;

  void SetUp() override {
    agent_info a;
    a.host = "node-1";
    a.tunnel_ip = "192.0.2.11";
    a.bridge_mappings = {{"physnet1", "eth1"}};
    a.device_kinds = {"vxlan"};
    agents.report(a, now);
  }

  api_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {},
                 bool admin = false, const std::string& project = "p1") {
    return test::call(api, now, op, body, std::move(path), {}, admin, project);
  }
  static json body_of(const api_result& r) {
    return test::body_of(r);
  }
  static std::string error_of(const api_result& r) {
    return body_of(r)["NeutronError"].value("type", "") + ": " +
           body_of(r)["NeutronError"].value("message", "");
  }

  std::string network(const json& attributes = json::object(), bool admin = false) {
    auto r = run("create_network", {{"network", attributes}}, {}, admin, admin ? "admin" : "p1");
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["network"].value("id", "");
  }
  std::string subnet(const std::string& network_id, const std::string& cidr,
                     const json& extra = json::object(), bool admin = false) {
    json s = extra;
    s["network_id"] = network_id;
    s["cidr"] = cidr;
    s["ip_version"] = 4;
    auto r = run("create_subnet", {{"subnet", s}}, {}, admin, admin ? "admin" : "p1");
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["subnet"].value("id", "");
  }
  /// The admin's external flat network with 203.0.113.0/24.
  std::string external() {
    ext_net = network({{"router:external", true},
                       {"provider:network_type", "flat"},
                       {"provider:physical_network", "physnet1"}},
                      true);
    ext_sub = subnet(ext_net, "203.0.113.0/24",
                     {{"enable_dhcp", false},
                      {"allocation_pools", {{{"start", "203.0.113.100"}, {"end", "203.0.113.200"}}}}},
                     true);
    return ext_net;
  }
  std::string router(const json& attributes = json::object()) {
    auto r = run("create_router", {{"router", attributes}});
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["router"].value("id", "");
  }
  api_result add_interface(const std::string& router_id, const json& body) {
    return run("add_router_interface", body, {{"router_id", router_id}});
  }
  json port_of(const std::string& id) {
    return body_of(run("get_port", nullptr, {{"port_id", id}}, true))["port"];
  }
  std::string ext_net, ext_sub;
};

TEST_F(RouterApi, CreatesShowsAndListsRouters) {
  auto r = run("create_router", {{"router", {{"name", "r1"}}}});
  ASSERT_EQ(r.reply.status, 201) << r.reply.body;
  const json router = body_of(r)["router"];
  EXPECT_EQ(router["name"], "r1");
  EXPECT_EQ(router["status"], "ACTIVE");
  EXPECT_EQ(router["admin_state_up"], true);
  EXPECT_TRUE(router["external_gateway_info"].is_null());
  EXPECT_EQ(router["routes"], json::array());
  EXPECT_EQ(router["project_id"], "p1");
  EXPECT_FALSE(router.contains("l3_host"));
  auto listed = body_of(run("get_router"))["routers"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(run("get_router", nullptr, {{"router_id", router["id"]}}, false, "p2").reply.status, 404);
  EXPECT_EQ(run("get_router", nullptr, {}, false, "p2").reply.body, "{\"routers\":[]}");
}

TEST_F(RouterApi, InterfaceBySubnetTakesTheGatewayAddress) {
  const auto net = network();
  const auto sub = subnet(net, "10.0.0.0/24");
  const auto rid = router();
  auto r = add_interface(rid, {{"subnet_id", sub}});
  ASSERT_EQ(r.reply.status, 200) << r.reply.body;
  const json info = body_of(r);
  EXPECT_EQ(info["id"], rid);
  EXPECT_EQ(info["subnet_id"], sub);
  EXPECT_EQ(info["subnet_ids"], json::array({sub}));
  EXPECT_EQ(info["network_id"], net);
  EXPECT_EQ(info["project_id"], "p1");
  const json port = port_of(info["port_id"]);
  EXPECT_EQ(port["device_owner"], "network:router_interface");
  EXPECT_EQ(port["device_id"], rid);
  EXPECT_EQ(port["fixed_ips"][0]["ip_address"], "10.0.0.1");
  // Scheduled to the only live agent, the port bound there.
  EXPECT_EQ(port["binding:host_id"], "node-1");
  EXPECT_EQ(port["binding:vif_type"], "bridge");

  auto again = add_interface(rid, {{"subnet_id", sub}});
  EXPECT_EQ(again.reply.status, 400);
  EXPECT_EQ(error_of(again), "BadRequest: Bad router request: Router already has a port on subnet " +
                                 sub + ".");
  // The port belongs to the router: not deleted through the port API.
  auto direct = run("delete_port", nullptr, {{"port_id", info["port_id"]}});
  EXPECT_EQ(direct.reply.status, 409);
  EXPECT_EQ(error_of(direct), "ServicePortInUse: Port " + info["port_id"].get<std::string>() +
                                  " cannot be deleted directly via the port API: has device "
                                  "owner network:router_interface.");
  // Nor its subnet, nor the router.
  EXPECT_EQ(run("delete_subnet", nullptr, {{"subnet_id", sub}}).reply.status, 409);
  auto in_use = run("delete_router", nullptr, {{"router_id", rid}});
  EXPECT_EQ(in_use.reply.status, 409);
  EXPECT_EQ(error_of(in_use), "RouterInUse: Router " + rid + " still has ports");

  auto removed = run("remove_router_interface", {{"subnet_id", sub}}, {{"router_id", rid}});
  ASSERT_EQ(removed.reply.status, 200) << removed.reply.body;
  EXPECT_EQ(body_of(removed)["port_id"], info["port_id"]);
  EXPECT_EQ(run("get_port", nullptr, {{"port_id", info["port_id"]}}).reply.status, 404);
  auto gone = run("remove_router_interface", {{"subnet_id", sub}}, {{"router_id", rid}});
  EXPECT_EQ(gone.reply.status, 404);
  EXPECT_EQ(error_of(gone), "RouterInterfaceNotFoundForSubnet: Router " + rid +
                                " has no interface on subnet " + sub);
  EXPECT_EQ(run("delete_router", nullptr, {{"router_id", rid}}).reply.status, 204);
  EXPECT_EQ(run("delete_subnet", nullptr, {{"subnet_id", sub}}).reply.status, 204);
}

TEST_F(RouterApi, InterfaceByPortAndItsErrors) {
  const auto net = network();
  const auto sub = subnet(net, "10.0.0.0/24");
  const auto rid = router();
  auto made = run("create_port", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(made.reply.status, 201);
  const std::string pid = body_of(made)["port"]["id"];
  auto r = add_interface(rid, {{"port_id", pid}});
  ASSERT_EQ(r.reply.status, 200) << r.reply.body;
  EXPECT_EQ(body_of(r)["port_id"], pid);
  EXPECT_EQ(port_of(pid)["device_owner"], "network:router_interface");
  EXPECT_EQ(port_of(pid)["device_id"], rid);

  // The port is taken now.
  const auto other = router();
  auto taken = add_interface(other, {{"port_id", pid}});
  EXPECT_EQ(taken.reply.status, 409);
  EXPECT_EQ(body_of(taken)["NeutronError"]["type"], "PortInUse");

  // Overlapping subnets on one router.
  const auto net2 = network();
  const auto sub2 = subnet(net2, "10.0.0.0/16");
  auto overlap = add_interface(rid, {{"subnet_id", sub2}});
  EXPECT_EQ(overlap.reply.status, 400);
  EXPECT_EQ(error_of(overlap), "BadRequest: Bad router request: Cidr 10.0.0.0/16 of subnet " + sub2 +
                                   " overlaps with cidr 10.0.0.0/24 of subnet " + sub + ".");
  // A subnet without a gateway.
  const auto net3 = network();
  const auto sub3 = subnet(net3, "10.3.0.0/24", {{"gateway_ip", nullptr}});
  auto no_gateway = add_interface(rid, {{"subnet_id", sub3}});
  EXPECT_EQ(no_gateway.reply.status, 400);
  EXPECT_EQ(error_of(no_gateway),
            "BadRequest: Bad router request: Subnet for router interface must have a gateway IP.");
  EXPECT_EQ(add_interface(rid, json::object()).reply.status, 400);

  auto wrong = run("remove_router_interface", {{"port_id", "nope"}}, {{"router_id", rid}});
  EXPECT_EQ(wrong.reply.status, 404);
  EXPECT_EQ(error_of(wrong),
            "RouterInterfaceNotFound: Router " + rid + " does not have an interface with id nope");
  EXPECT_EQ(run("remove_router_interface", {{"port_id", pid}}, {{"router_id", rid}}).reply.status, 200);
}

TEST_F(RouterApi, GatewayOnlyOnExternalNetworks) {
  const auto internal = network();
  subnet(internal, "10.0.0.0/24");
  const auto rid = router();
  auto bad = run("update_router", {{"router", {{"external_gateway_info", {{"network_id", internal}}}}}},
                 {{"router_id", rid}});
  EXPECT_EQ(bad.reply.status, 400);
  EXPECT_EQ(error_of(bad), "BadRequest: Bad router request: Network " + internal +
                               " is not an external network.");

  external();
  // Visible to every project, but no ports of theirs on it.
  EXPECT_EQ(run("get_network", nullptr, {{"network_id", ext_net}}).reply.status, 200);
  EXPECT_EQ(run("create_port", {{"port", {{"network_id", ext_net}}}}).reply.status, 403);
  // Non-admins leave SNAT alone (ext-gw-mode's policy).
  EXPECT_EQ(run("update_router",
                {{"router", {{"external_gateway_info", {{"network_id", ext_net}, {"enable_snat", false}}}}}},
                {{"router_id", rid}})
                .reply.status,
            403);
  auto set = run("update_router", {{"router", {{"external_gateway_info", {{"network_id", ext_net}}}}}},
                 {{"router_id", rid}});
  ASSERT_EQ(set.reply.status, 200) << set.reply.body;
  const json gw = body_of(set)["router"]["external_gateway_info"];
  EXPECT_EQ(gw["network_id"], ext_net);
  EXPECT_EQ(gw["enable_snat"], true);
  ASSERT_EQ(gw["external_fixed_ips"].size(), 1u);
  EXPECT_EQ(gw["external_fixed_ips"][0]["ip_address"], "203.0.113.100");
  EXPECT_EQ(gw["external_fixed_ips"][0]["subnet_id"], ext_sub);
  // The gateway port is the router's, hidden from the project.
  auto ports = body_of(run("get_port", nullptr, {}, true))["ports"];
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]["device_owner"], "network:router_gateway");
  EXPECT_EQ(ports[0]["project_id"], "");
  EXPECT_EQ(ports[0]["binding:host_id"], "node-1");

  // Admin turns SNAT off; clearing the gateway deletes the port.
  auto snat = run("update_router",
                  {{"router", {{"external_gateway_info", {{"network_id", ext_net}, {"enable_snat", false}}}}}},
                  {{"router_id", rid}}, true, "admin");
  ASSERT_EQ(snat.reply.status, 200) << snat.reply.body;
  EXPECT_EQ(body_of(snat)["router"]["external_gateway_info"]["enable_snat"], false);
  EXPECT_EQ(body_of(run("get_port", nullptr, {}, true))["ports"].size(), 1u);
  auto cleared = run("update_router", {{"router", {{"external_gateway_info", nullptr}}}}, {{"router_id", rid}});
  ASSERT_EQ(cleared.reply.status, 200);
  EXPECT_TRUE(body_of(cleared)["router"]["external_gateway_info"].is_null());
  EXPECT_EQ(body_of(run("get_port", nullptr, {}, true))["ports"].size(), 0u);
}

TEST_F(RouterApi, ExtraRoutesNeedAConnectedNexthop) {
  const auto net = network();
  const auto sub = subnet(net, "10.0.0.0/24");
  const auto rid = router();
  ASSERT_EQ(add_interface(rid, {{"subnet_id", sub}}).reply.status, 200);
  auto bad = run("update_router",
                 {{"router", {{"routes", {{{"destination", "172.16.0.0/16"}, {"nexthop", "10.9.0.5"}}}}}}},
                 {{"router_id", rid}});
  EXPECT_EQ(bad.reply.status, 400);
  EXPECT_EQ(error_of(bad), "InvalidRoutes: Invalid format for routes: [{'destination': "
                           "'172.16.0.0/16', 'nexthop': '10.9.0.5'}], the nexthop is not "
                           "connected with router.");
  auto good = run("update_router",
                  {{"router", {{"routes", {{{"destination", "172.16.0.0/16"}, {"nexthop", "10.0.0.5"}}}}}}},
                  {{"router_id", rid}});
  ASSERT_EQ(good.reply.status, 200) << good.reply.body;
  EXPECT_EQ(body_of(good)["router"]["routes"][0]["nexthop"], "10.0.0.5");
  EXPECT_EQ(run("remove_router_interface", {{"subnet_id", sub}}, {{"router_id", rid}}).reply.status, 409);
}

TEST_F(RouterApi, FloatingIpsAssociateThroughARouter) {
  const auto internal = network();
  subnet(internal, "10.0.0.0/24");
  auto bad = run("create_floatingip", {{"floatingip", {{"floating_network_id", internal}}}});
  EXPECT_EQ(bad.reply.status, 400);
  EXPECT_EQ(error_of(bad), "BadRequest: Bad floatingip request: Network " + internal +
                               " is not a valid external network.");

  external();
  const auto net = network();
  const auto sub = subnet(net, "10.1.0.0/24");
  const std::string pid = body_of(run("create_port", {{"port", {{"network_id", net}}}}))["port"]["id"];
  auto made = run("create_floatingip", {{"floatingip", {{"floating_network_id", ext_net}}}});
  ASSERT_EQ(made.reply.status, 201) << made.reply.body;
  const json fip = body_of(made)["floatingip"];
  const std::string fid = fip["id"];
  EXPECT_EQ(fip["floating_ip_address"], "203.0.113.100");
  EXPECT_EQ(fip["status"], "DOWN");
  EXPECT_TRUE(fip["port_id"].is_null());
  EXPECT_TRUE(fip["router_id"].is_null());
  EXPECT_EQ(fip["project_id"], "p1");
  EXPECT_FALSE(fip.contains("name"));
  // The address is taken: asked for again, 409.
  auto twice = run("create_floatingip", {{"floatingip", {{"floating_network_id", ext_net},
                                                         {"floating_ip_address", "203.0.113.100"}}}});
  EXPECT_EQ(twice.reply.status, 409);

  // No router between the port's subnet and the external network: 404.
  auto unreachable = run("update_floatingip", {{"floatingip", {{"port_id", pid}}}}, {{"floatingip_id", fid}});
  EXPECT_EQ(unreachable.reply.status, 404);
  EXPECT_EQ(error_of(unreachable),
            "ExternalGatewayForFloatingIPNotFound: External network " + ext_net +
                " is not reachable from subnet " + sub + ".  Therefore, cannot associate Port " +
                pid + " with a Floating IP.");

  const auto rid = router({{"external_gateway_info", {{"network_id", ext_net}}}});
  ASSERT_EQ(add_interface(rid, {{"subnet_id", sub}}).reply.status, 200);
  auto associated = run("update_floatingip", {{"floatingip", {{"port_id", pid}}}}, {{"floatingip_id", fid}});
  ASSERT_EQ(associated.reply.status, 200) << associated.reply.body;
  EXPECT_EQ(body_of(associated)["floatingip"]["port_id"], pid);
  EXPECT_EQ(body_of(associated)["floatingip"]["router_id"], rid);
  EXPECT_EQ(body_of(associated)["floatingip"]["fixed_ip_address"], "10.1.0.2");

  // A second floating IP on the same fixed address: 409.
  auto second = run("create_floatingip", {{"floatingip", {{"floating_network_id", ext_net}, {"port_id", pid}}}});
  EXPECT_EQ(second.reply.status, 409);
  EXPECT_EQ(body_of(second)["NeutronError"]["type"], "FloatingIPPortAlreadyAssociated");
  // The interface and gateway it uses stay.
  EXPECT_EQ(run("remove_router_interface", {{"subnet_id", sub}}, {{"router_id", rid}}).reply.status, 409);
  EXPECT_EQ(run("update_router", {{"router", {{"external_gateway_info", nullptr}}}}, {{"router_id", rid}})
                .reply.status,
            409);

  // What the router's host gets; the agent reports the NAT realised.
  const json routers = api.host_routers("node-1", now);
  ASSERT_EQ(routers.size(), 1u);
  const json& hr = routers[0];
  EXPECT_EQ(hr["id"], rid);
  EXPECT_EQ(hr["namespace"], "qrouter-" + rid);
  ASSERT_EQ(hr["interfaces"].size(), 1u);
  const json& qr = hr["interfaces"][0];
  EXPECT_EQ(qr["ip_address"], "10.1.0.1");
  EXPECT_EQ(qr["prefixlen"], 24);
  EXPECT_EQ(qr["cidr"], "10.1.0.0/24");
  EXPECT_EQ(qr["subnet_id"], sub);
  EXPECT_EQ(qr["bridge"], bridge_name(net));
  EXPECT_EQ(qr["device"], "qr-" + qr["port_id"].get<std::string>().substr(0, 11));
  EXPECT_EQ(qr["mtu"], 1450);
  const json& qg = hr["gateway"];
  EXPECT_EQ(qg["ip_address"], "203.0.113.101");
  EXPECT_EQ(qg["gateway_ip"], "203.0.113.1");
  EXPECT_EQ(qg["cidr"], "203.0.113.0/24");
  EXPECT_EQ(qg["bridge"], bridge_name(ext_net));
  EXPECT_EQ(qg["device"], "qg-" + qg["port_id"].get<std::string>().substr(0, 11));
  EXPECT_EQ(qg["enable_snat"], true);
  ASSERT_EQ(hr["floating_ips"].size(), 1u);
  EXPECT_EQ(hr["floating_ips"][0],
            json({{"id", fid}, {"floating_ip_address", "203.0.113.100"}, {"fixed_ip_address", "10.1.0.2"},
                  {"port_id", pid}, {"status", "DOWN"}}));
  EXPECT_EQ(api.host_routers("node-2", now), json::array());
  EXPECT_EQ(body_of(api.update_floating_ip_status("node-2", {fid}, {}, now))["changed"], 0);
  EXPECT_EQ(body_of(api.update_floating_ip_status("node-1", {fid}, {}, now))["changed"], 1);
  EXPECT_EQ(body_of(run("get_floatingip", nullptr, {{"floatingip_id", fid}}))["floatingip"]["status"],
            "ACTIVE");
  // The host's bindings carry the router's ports (its bridges).
  const json bindings = api.host_bindings("node-1", now);
  EXPECT_EQ(bindings.size(), 2u);

  // Disassociated with port_id null.
  auto off = run("update_floatingip", {{"floatingip", {{"port_id", nullptr}}}}, {{"floatingip_id", fid}});
  ASSERT_EQ(off.reply.status, 200);
  EXPECT_TRUE(body_of(off)["floatingip"]["port_id"].is_null());
  EXPECT_TRUE(body_of(off)["floatingip"]["router_id"].is_null());
  EXPECT_EQ(body_of(off)["floatingip"]["status"], "DOWN");
  EXPECT_EQ(api.host_routers("node-1", now)[0]["floating_ips"], json::array());

  // A deleted port lets go of its floating IP.
  ASSERT_EQ(run("update_floatingip", {{"floatingip", {{"port_id", pid}}}}, {{"floatingip_id", fid}}).reply.status,
            200);
  ASSERT_EQ(run("delete_port", nullptr, {{"port_id", pid}}).reply.status, 204);
  const json after = body_of(run("get_floatingip", nullptr, {{"floatingip_id", fid}}))["floatingip"];
  EXPECT_TRUE(after["port_id"].is_null());
  EXPECT_TRUE(after["fixed_ip_address"].is_null());

  EXPECT_EQ(run("delete_floatingip", nullptr, {{"floatingip_id", fid}}).reply.status, 204);
  auto missing = run("get_floatingip", nullptr, {{"floatingip_id", fid}});
  EXPECT_EQ(error_of(missing), "FloatingIPNotFound: Floating IP " + fid + " could not be found");
  // The floating IP's port went with it: only the router's two remain.
  EXPECT_EQ(body_of(run("get_port", nullptr, {}, true))["ports"].size(), 2u);
}

TEST_F(RouterApi, RoutersMoveWhenTheirAgentDies) {
  const auto net = network();
  const auto sub = subnet(net, "10.0.0.0/24");
  const auto rid = router();
  ASSERT_EQ(add_interface(rid, {{"subnet_id", sub}}).reply.status, 200);
  ASSERT_EQ(api.host_routers("node-1", now).size(), 1u);
  // node-1 stops reporting; node-2 is alive.
  now += 1000;
  agent_info b;
  b.host = "node-2";
  b.tunnel_ip = "192.0.2.12";
  b.device_kinds = {"vxlan"};
  agents.report(b, now);
  auto moved = api.reschedule_routers(now);
  EXPECT_FALSE(moved.changes.empty());
  EXPECT_EQ(api.host_routers("node-1", now), json::array());
  ASSERT_EQ(api.host_routers("node-2", now).size(), 1u);
  const std::string port = api.host_routers("node-2", now)[0]["interfaces"][0]["port_id"];
  EXPECT_EQ(port_of(port)["binding:host_id"], "node-2");
  EXPECT_TRUE(api.reschedule_routers(now).changes.empty());
}

TEST_F(RouterApi, QuotasCountRoutersAndFloatingIps) {
  external();
  ASSERT_EQ(run("update_quota", {{"quota", {{"router", 1}, {"floatingip", 1}}}}, {{"project_id", "p1"}},
                true, "admin")
                .reply.status,
            200);
  router();
  auto over = run("create_router", {{"router", json::object()}});
  EXPECT_EQ(over.reply.status, 409);
  EXPECT_EQ(error_of(over), "OverQuota: Quota exceeded for resources: ['router'].");
  ASSERT_EQ(run("create_floatingip", {{"floatingip", {{"floating_network_id", ext_net}}}}).reply.status, 201);
  EXPECT_EQ(run("create_floatingip", {{"floatingip", {{"floating_network_id", ext_net}}}}).reply.status, 409);
  auto details = body_of(run("get_quota", nullptr, {{"project_id", "p1"}, {"view", "details"}}))["quota"];
  EXPECT_EQ(details["router"]["used"], 1);
  EXPECT_EQ(details["floatingip"]["used"], 1);
  EXPECT_EQ(details["floatingip"]["limit"], 1);
  auto defaults = body_of(run("get_quota", nullptr, {{"project_id", "p2"}}, false, "p2"))["quota"];
  EXPECT_EQ(defaults["router"], 10);
  EXPECT_EQ(defaults["floatingip"], 50);
}

TEST_F(RouterApi, ExtensionsListTheRouterOnes) {
  auto all = body_of(run("get_extension"))["extensions"];
  std::set<std::string> aliases;
  for (auto& e : all)
    aliases.insert(e["alias"].get<std::string>());
  for (const char* a : {"router", "ext-gw-mode", "extraroute", "external-net"})
    EXPECT_TRUE(aliases.count(a)) << a;
  EXPECT_FALSE(aliases.count("l3-ha"));
  EXPECT_FALSE(aliases.count("dvr"));
}

} // namespace
