// The Networking API without actors: networks with ML2 segments (tenant
// allocation, provider attributes, ranges, a segment taken twice),
// subnets (CIDR, pools, gateway checks, overlaps), ports (IPAM, MACs,
// binding), lists (filters, fields, sorting, pagination), bulk creates
// that fail as a whole, and Neutron's error body.

#include <gtest/gtest.h>

#include "actors/network/network_api.hpp"
#include "tests/unit/network_api_calls.hpp"

using namespace stratus;
using namespace stratus::network;

namespace {

type_driver_config small_ranges() {
  type_driver_config c;
  c.vni_ranges = {{100, 102}};
  c.vlan_ranges = {{"physnet1", {{10, 11}}}};
  c.flat_networks = {"physnet1", "physnet2"};
  return c;
}

class NetworkApi : public ::testing::Test {
protected:
  network_model model{small_ranges()};
  agent_registry agents;
  network_api api{model, agents, network_settings{}};
  int64_t now = 1'800'000'000;

  api_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {},
                 msg::named_values query = {}, bool admin = true,
                 const std::string& project = "p1") {
    return test::call(api, now, op, body, std::move(path), std::move(query), admin, project);
  }

  static json body_of(const api_result& r) {
    return test::body_of(r);
  }
  static std::string error_type(const api_result& r) {
    return body_of(r)["NeutronError"]["type"];
  }

  std::string network(const json& attributes = json::object()) {
    json n = attributes;
    n["name"] = n.value("name", "net");
    auto r = run("create_network", {{"network", n}});
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["network"].value("id", "");
  }

  std::string subnet(const std::string& network_id, const std::string& cidr,
                     const json& extra = json::object()) {
    json s = extra;
    s["network_id"] = network_id;
    s["cidr"] = cidr;
    s["ip_version"] = cidr.find(':') == std::string::npos ? 4 : 6;
    auto r = run("create_subnet", {{"subnet", s}});
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["subnet"].value("id", "");
  }

  api_result port(const std::string& network_id, const json& extra = json::object()) {
    json p = extra;
    p["network_id"] = network_id;
    return run("create_port", {{"port", p}});
  }
};

TEST_F(NetworkApi, TenantNetworksGetTheConfiguredTypeAndDistinctSegments) {
  std::set<uint32_t> vnis;
  for (int i = 0; i < 3; ++i) {
    const auto id = network();
    const json& n = *model.find(kinds::network, id);
    EXPECT_EQ(n["provider:network_type"], "vxlan");
    EXPECT_EQ(n["mtu"], 1450);
    vnis.insert(n["provider:segmentation_id"].get<uint32_t>());
  }
  EXPECT_EQ(vnis, (std::set<uint32_t>{100, 101, 102}));
  auto full = run("create_network", {{"network", {{"name", "one too many"}}}});
  EXPECT_EQ(full.reply.status, 503);
  EXPECT_EQ(error_type(full), "NoNetworkAvailable");
}

TEST_F(NetworkApi, ANetworkCreationWritesASegmentGuardCreateOnly) {
  auto r = run("create_network", {{"network", {{"name", "n"}}}});
  ASSERT_EQ(r.reply.status, 201);
  auto guard = std::find_if(r.changes.begin(), r.changes.end(), [](const record_change& c) {
    return c.kind == kinds::segment_guard;
  });
  ASSERT_NE(guard, r.changes.end());
  EXPECT_TRUE(guard->create_only);
  EXPECT_EQ(guard->id, "vxlan::100");
}

TEST_F(NetworkApi, ProviderSegmentsAreCheckedAndNotSharedAndFreedOnDelete) {
  auto vlan = run("create_network",
                  {{"network",
                    {{"provider:network_type", "vlan"}, {"provider:physical_network", "physnet1"},
                     {"provider:segmentation_id", 4095}}}});
  EXPECT_EQ(vlan.reply.status, 400) << vlan.reply.body;
  EXPECT_NE(body_of(vlan)["NeutronError"]["message"].get<std::string>().find("out of range"),
            std::string::npos);
  const auto first = network({{"provider:network_type", "vlan"},
                              {"provider:physical_network", "physnet1"},
                              {"provider:segmentation_id", 200}});
  auto again = run("create_network",
                   {{"network",
                     {{"provider:network_type", "vlan"}, {"provider:physical_network", "physnet1"},
                      {"provider:segmentation_id", 200}}}});
  EXPECT_EQ(again.reply.status, 409);
  EXPECT_EQ(error_type(again), "VlanIdInUse");
  network({{"provider:network_type", "flat"}, {"provider:physical_network", "physnet2"}});
  auto flat = run("create_network", {{"network",
                                      {{"provider:network_type", "flat"},
                                       {"provider:physical_network", "physnet2"}}}});
  EXPECT_EQ(flat.reply.status, 409);
  EXPECT_EQ(error_type(flat), "FlatNetworkInUse");
  auto vni = run("create_network", {{"network",
                                     {{"provider:network_type", "vxlan"},
                                      {"provider:segmentation_id", 16777216}}}});
  EXPECT_EQ(vni.reply.status, 400);
  EXPECT_EQ(run("delete_network", nullptr, {{"network_id", first}}).reply.status, 204);
  network({{"provider:network_type", "vlan"},
           {"provider:physical_network", "physnet1"},
           {"provider:segmentation_id", 200}});
}

TEST_F(NetworkApi, ProviderAttributesAreForAdminsOnly) {
  auto r = run("create_network",
               {{"network", {{"name", "x"}, {"provider:network_type", "vxlan"}}}}, {}, {}, false);
  EXPECT_EQ(r.reply.status, 403);
  EXPECT_EQ(body_of(r)["NeutronError"]["message"],
            "(rule:create_network:provider:network_type) is disallowed by policy");
  auto mine = run("create_network", {{"network", {{"name", "x"}}}}, {}, {}, false);
  ASSERT_EQ(mine.reply.status, 201);
  EXPECT_FALSE(body_of(mine)["network"].contains("provider:network_type"));
  auto bad = run("create_network", {{"network", {{"name", "x"}, {"colour", "red"}}}});
  EXPECT_EQ(bad.reply.status, 400);
  EXPECT_EQ(body_of(bad)["NeutronError"]["message"], "Unrecognized attribute(s) 'colour'");
}

TEST_F(NetworkApi, SubnetsRefuseBadCidrsOverlapsAndPoolsOutside) {
  const auto n = network();
  auto bad = run("create_subnet", {{"subnet", {{"network_id", n}, {"cidr", "10.0.0.300/24"}, {"ip_version", 4}}}});
  EXPECT_EQ(bad.reply.status, 400);
  auto host_bits = run("create_subnet", {{"subnet", {{"network_id", n}, {"cidr", "10.0.0.1/24"}, {"ip_version", 4}}}});
  EXPECT_EQ(host_bits.reply.status, 400);
  EXPECT_NE(body_of(host_bits)["NeutronError"]["message"].get<std::string>().find("'10.0.0.0/24' is recommended"),
            std::string::npos);
  auto version = run("create_subnet", {{"subnet", {{"network_id", n}, {"cidr", "10.0.0.0/24"}, {"ip_version", 6}}}});
  EXPECT_EQ(version.reply.status, 400);
  const auto s = subnet(n, "10.0.0.0/24");
  const json& made = *model.find(kinds::subnet, s);
  EXPECT_EQ(made["gateway_ip"], "10.0.0.1");
  EXPECT_EQ(made["allocation_pools"], json::parse(R"([{"start":"10.0.0.2","end":"10.0.0.254"}])"));
  auto overlap = run("create_subnet", {{"subnet", {{"network_id", n}, {"cidr", "10.0.0.128/25"}, {"ip_version", 4}}}});
  EXPECT_EQ(overlap.reply.status, 400);
  EXPECT_NE(body_of(overlap)["NeutronError"]["message"].get<std::string>().find("overlaps with another subnet"),
            std::string::npos);
  auto outside = run("create_subnet",
                     {{"subnet", {{"network_id", n}, {"cidr", "10.1.0.0/24"}, {"ip_version", 4},
                                  {"allocation_pools", {{{"start", "10.1.0.10"}, {"end", "10.1.1.5"}}}}}}});
  EXPECT_EQ(outside.reply.status, 400);
  EXPECT_EQ(error_type(outside), "OutOfBoundsAllocationPool");
  auto gateway_in_pool = run("create_subnet",
                             {{"subnet", {{"network_id", n}, {"cidr", "10.2.0.0/24"}, {"ip_version", 4},
                                          {"gateway_ip", "10.2.0.20"},
                                          {"allocation_pools", {{{"start", "10.2.0.10"}, {"end", "10.2.0.30"}}}}}}});
  EXPECT_EQ(gateway_in_pool.reply.status, 409);
  // The same CIDR on another network is fine (overlapping IPs across networks).
  subnet(network(), "10.0.0.0/24");
  const auto v6 = subnet(n, "2001:db8::/64");
  EXPECT_EQ(model.find(kinds::subnet, v6)->at("allocation_pools")[0]["start"], "2001:db8::2");
}

TEST_F(NetworkApi, PortsGetAddressesAndAnAddressInUseIsAConflict) {
  const auto n = network();
  const auto s = subnet(n, "192.0.2.0/29"); // pool .2–.6: five addresses
  auto first = port(n);
  ASSERT_EQ(first.reply.status, 201) << first.reply.body;
  const json p = body_of(first)["port"];
  EXPECT_EQ(p["fixed_ips"][0]["ip_address"], "192.0.2.2");
  EXPECT_EQ(p["fixed_ips"][0]["subnet_id"], s);
  EXPECT_EQ(p["status"], "DOWN");
  EXPECT_EQ(p["mac_address"].get<std::string>().substr(0, 9), "fa:16:3e:");
  auto taken = port(n, {{"fixed_ips", {{{"ip_address", "192.0.2.2"}}}}});
  EXPECT_EQ(taken.reply.status, 409);
  EXPECT_EQ(error_type(taken), "IpAddressAlreadyAllocated");
  auto outside = port(n, {{"fixed_ips", {{{"subnet_id", s}, {"ip_address", "192.0.3.9"}}}}});
  EXPECT_EQ(outside.reply.status, 400);
  auto chosen = port(n, {{"fixed_ips", {{{"ip_address", "192.0.2.6"}}}}});
  ASSERT_EQ(chosen.reply.status, 201);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(port(n).reply.status, 201);
  auto exhausted = port(n);
  EXPECT_EQ(exhausted.reply.status, 409);
  EXPECT_EQ(error_type(exhausted), "IpAddressGenerationFailure");
  // Deleting a port gives its address back.
  EXPECT_EQ(run("delete_port", nullptr, {{"port_id", p["id"]}}).reply.status, 204);
  auto again = port(n);
  ASSERT_EQ(again.reply.status, 201);
  EXPECT_EQ(body_of(again)["port"]["fixed_ips"][0]["ip_address"], "192.0.2.2");
  // A subnet with ports on it stays; a network with ports stays.
  EXPECT_EQ(error_type(run("delete_subnet", nullptr, {{"subnet_id", s}})), "SubnetInUse");
  EXPECT_EQ(error_type(run("delete_network", nullptr, {{"network_id", n}})), "NetworkInUse");
}

TEST_F(NetworkApi, AMacAddressIsUniqueOnItsNetwork) {
  const auto n = network();
  ASSERT_EQ(port(n, {{"mac_address", "FA:16:3E:00:00:01"}}).reply.status, 201);
  auto again = port(n, {{"mac_address", "fa:16:3e:00:00:01"}});
  EXPECT_EQ(again.reply.status, 409);
  EXPECT_EQ(error_type(again), "MacAddressInUse");
  EXPECT_EQ(port(network(), {{"mac_address", "fa:16:3e:00:00:01"}}).reply.status, 201);
  EXPECT_EQ(port(n, {{"mac_address", "01:00:5e:00:00:01"}}).reply.status, 400);
}

TEST_F(NetworkApi, BindingNeedsALiveAgentThatCanMakeTheDevice) {
  const auto vx = network();
  agent_info a;
  a.id = "agent-1";
  a.host = "cmp-1";
  a.tunnel_ip = "198.51.100.1";
  a.device_kinds = {"vxlan", "bridge"};
  agents.report(a, now);
  auto bound = port(vx, {{"binding:host_id", "cmp-1"}});
  ASSERT_EQ(bound.reply.status, 201);
  EXPECT_EQ(body_of(bound)["port"]["binding:vif_type"], "bridge");
  auto nowhere = port(vx, {{"binding:host_id", "cmp-9"}});
  EXPECT_EQ(body_of(nowhere)["port"]["binding:vif_type"], "binding_failed");
  const auto vlan = network({{"provider:network_type", "vlan"},
                             {"provider:physical_network", "physnet1"},
                             {"provider:segmentation_id", 5}});
  a.bridge_mappings = {{"physnet1", "eth1"}};
  agents.report(a, now);
  auto no_vlan = port(vlan, {{"binding:host_id", "cmp-1"}});
  const json p = body_of(no_vlan)["port"];
  EXPECT_EQ(p["binding:vif_type"], "binding_failed");
  EXPECT_EQ(p["binding:vif_details"]["reason"],
            "host cmp-1 cannot realise vlan networks: its kernel cannot create vlan devices");
}

TEST_F(NetworkApi, ListsFilterSelectFieldsSortAndPage) {
  const auto a = network({{"name", "alpha"}});
  const auto b = network({{"name", "beta"}, {"admin_state_up", false}});
  network({{"name", "gamma"}});
  auto by_name = body_of(run("get_network", nullptr, {}, {{"name", "beta"}}))["networks"];
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0]["id"], b);
  auto down = body_of(run("get_network", nullptr, {}, {{"admin_state_up", "False"}}))["networks"];
  ASSERT_EQ(down.size(), 1u);
  auto either = body_of(run("get_network", nullptr, {}, {{"name", "alpha"}, {"name", "beta"}}))["networks"];
  EXPECT_EQ(either.size(), 2u);
  auto fields = body_of(run("get_network", nullptr, {}, {{"fields", "id"}, {"fields", "name"}}))["networks"];
  EXPECT_EQ(fields[0].size(), 2u);
  auto sorted = body_of(run("get_network", nullptr, {}, {{"sort_key", "name"}, {"sort_dir", "desc"}}))["networks"];
  EXPECT_EQ(sorted[0]["name"], "gamma");
  auto page = body_of(run("get_network", nullptr, {},
                          {{"sort_key", "name"}, {"sort_dir", "asc"}, {"limit", "2"}}));
  ASSERT_EQ(page["networks"].size(), 2u);
  EXPECT_EQ(page["networks"][1]["id"], b);
  ASSERT_TRUE(page.contains("networks_links"));
  auto rest = body_of(run("get_network", nullptr, {},
                          {{"sort_key", "name"}, {"sort_dir", "asc"}, {"limit", "2"}, {"marker", b}}));
  ASSERT_EQ(rest["networks"].size(), 1u);
  EXPECT_EQ(rest["networks"][0]["name"], "gamma");
  EXPECT_EQ(run("get_network", nullptr, {}, {{"sort_dir", "sideways"}}).reply.status, 400);
  (void)a;
}

TEST_F(NetworkApi, OtherProjectsSeeSharedNetworksOnly) {
  const auto mine = network({{"name", "private"}});
  network({{"name", "shared"}, {"shared", true}});
  auto seen = body_of(run("get_network", nullptr, {}, {}, false, "p2"))["networks"];
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["name"], "shared");
  auto hidden = run("get_network", nullptr, {{"network_id", mine}}, {}, false, "p2");
  EXPECT_EQ(hidden.reply.status, 404);
  EXPECT_EQ(error_type(hidden), "NetworkNotFound");
}

TEST_F(NetworkApi, ABulkCreateFailsAsAWholeAndKeepsNothing) {
  auto r = run("create_network", {{"networks", {{{"name", "a"}}, {{"name", "b"}},
                                                {{"name", "c"}, {"mtu", 9000}}}}});
  EXPECT_EQ(r.reply.status, 400) << r.reply.body;
  EXPECT_TRUE(model.networks().empty());
  // Every VNI is free again: three networks fit the three-VNI range.
  auto ok = run("create_network", {{"networks", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}}}});
  EXPECT_EQ(ok.reply.status, 201) << ok.reply.body;
  EXPECT_EQ(body_of(ok)["networks"].size(), 3u);
}

TEST_F(NetworkApi, QuotasLimitCreatesAndShowUsage) {
  ASSERT_EQ(run("update_quota", {{"quota", {{"network", 1}}}}, {{"project_id", "p1"}}).reply.status, 200);
  network();
  auto over = run("create_network", {{"network", {{"name", "n"}}}});
  EXPECT_EQ(over.reply.status, 409);
  EXPECT_EQ(error_type(over), "OverQuota");
  auto details = body_of(run("get_quota", nullptr, {{"project_id", "p1"}, {"view", "details"}}));
  EXPECT_EQ(details["quota"]["network"]["used"], 1);
  EXPECT_EQ(details["quota"]["network"]["limit"], 1);
}

TEST_F(NetworkApi, TagsAreSetAddedFilteredAndRemoved) {
  const auto n = network();
  msg::named_values at{{"resource", "networks"}, {"resource_id", n}};
  ASSERT_EQ(run("update_tags", {{"tags", {"red", "blue"}}}, at).reply.status, 200);
  auto one = at;
  one.push_back({"tag", "green"});
  EXPECT_EQ(run("update_tags", nullptr, one).reply.status, 201);
  auto tagged = body_of(run("get_network", nullptr, {}, {{"tags", "red,green"}}))["networks"];
  EXPECT_EQ(tagged.size(), 1u);
  auto none = body_of(run("get_network", nullptr, {}, {{"not-tags-any", "blue"}}))["networks"];
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(run("delete_tags", nullptr, one).reply.status, 204);
  EXPECT_EQ(run("get_tags", nullptr, one).reply.status, 404);
}

} // namespace

namespace {

TEST_F(NetworkApi, AnInstanceGetsBoundPortsAndGivesThemBack) {
  const auto n = network({{"name", "green"}});
  subnet(n, "10.9.0.0/24");
  agent_info a;
  a.id = "agent-1";
  a.host = "cmp-1";
  a.tunnel_ip = "198.51.100.2";
  a.device_kinds = {"vxlan"};
  agents.report(a, now);
  auto given = port(n, {{"name", "mine"}});
  const std::string given_id = body_of(given)["port"]["id"];
  auto r = api.allocate_ports("vm-1", "p1", "cmp-1",
                              json::array({{{"uuid", n}}, {{"port", given_id}}}), now);
  ASSERT_FALSE(r.error) << r.error->message;
  const json ports = body_of(r);
  ASSERT_EQ(ports.size(), 2u) << r.reply.status << " " << r.reply.body;
  EXPECT_EQ(ports[0]["network_name"], "green");
  EXPECT_EQ(ports[0]["fixed_ips"][0]["prefixlen"], 24);
  EXPECT_EQ(ports[0]["binding:vif_type"], "bridge");
  EXPECT_EQ(model.find(kinds::port, given_id)->at("device_id"), "vm-1");
  // The host got a DHCP server for the network, serving both ports.
  const json bindings = api.host_bindings("cmp-1", now);
  ASSERT_EQ(bindings.size(), 3u);
  const json* dhcp = nullptr;
  for (auto& b : bindings)
    if (b.contains("dhcp"))
      dhcp = &b;
  ASSERT_NE(dhcp, nullptr);
  EXPECT_EQ(dhcp->at("device_owner"), "network:dhcp");
  EXPECT_EQ(dhcp->at("dhcp")["hosts"].size(), 3u); // the DHCP port has its own too
  EXPECT_EQ(dhcp->at("dhcp")["subnets"][0]["cidr"], "10.9.0.0/24");

  // Another host's late release takes nothing; this host's deletes the
  // port made for the instance, unbinds the one it was given and, with no
  // guest left on the network here, removes the DHCP port.
  api.deallocate_ports("vm-1", "cmp-2", "", now);
  EXPECT_EQ(model.ports().size(), 3u);
  api.deallocate_ports("vm-1", "cmp-1", "", now);
  ASSERT_EQ(model.ports().size(), 1u);
  EXPECT_EQ(model.find(kinds::port, given_id)->at("device_id"), "");
  EXPECT_EQ(model.find(kinds::port, given_id)->at("binding:host_id"), "");
}

TEST_F(NetworkApi, APortThatCannotBeBoundFailsTheAllocationAndLeavesNothing) {
  const auto n = network();
  subnet(n, "10.9.0.0/24");
  auto r = api.allocate_ports("vm-1", "p1", "cmp-9", json::array({{{"uuid", n}}}), now);
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->message.find("no live network agent"), std::string::npos);
  EXPECT_TRUE(model.ports().empty());
  EXPECT_TRUE(model.security_groups().empty()); // the default group made on the way went too
  EXPECT_TRUE(model.security_group_rules().empty());
}

} // namespace

namespace {

TEST_F(NetworkApi, EveryProjectGetsItsDefaultSecurityGroupOnFirstUse) {
  auto listed = run("get_security_group", nullptr, {}, {}, false, "p7");
  ASSERT_EQ(listed.reply.status, 200);
  const json groups = body_of(listed)["security_groups"];
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["name"], "default");
  const json rules = groups[0]["security_group_rules"];
  ASSERT_EQ(rules.size(), 4u); // egress and ingress from members, IPv4 and IPv6
  for (auto& r : rules) {
    if (r["direction"] == "ingress") {
      EXPECT_EQ(r["remote_group_id"], groups[0]["id"]);
    }
  }
  EXPECT_FALSE(listed.changes.empty()); // written with the listing
  // Listing again makes nothing new.
  EXPECT_TRUE(run("get_security_group", nullptr, {}, {}, false, "p7").changes.empty());
  // A project's new port is in its default group.
  const auto n = network();
  auto p = port(n);
  const json default_id = body_of(run("get_security_group", nullptr, {},
                                      {{"name", "default"}, {"project_id", "p1"}}))
                              ["security_groups"][0]["id"];
  EXPECT_EQ(body_of(p)["port"]["security_groups"], json::array({default_id}));
}

TEST_F(NetworkApi, SecurityGroupRulesAreCheckedAsNeutronChecksThem) {
  auto made = run("create_security_group", {{"security_group", {{"name", "web"}}}});
  ASSERT_EQ(made.reply.status, 201) << made.reply.body;
  const json g = body_of(made)["security_group"];
  EXPECT_EQ(g["security_group_rules"].size(), 2u); // a new group lets everything out
  auto rule = [&](const json& extra) {
    json r{{"security_group_id", g["id"]}, {"direction", "ingress"}};
    r.update(extra);
    return run("create_security_group_rule", {{"security_group_rule", r}});
  };
  auto ssh = rule({{"protocol", "tcp"}, {"port_range_min", 22}, {"port_range_max", 22},
                   {"remote_ip_prefix", "192.0.2.0/24"}});
  ASSERT_EQ(ssh.reply.status, 201) << ssh.reply.body;
  EXPECT_EQ(error_type(rule({{"protocol", "tcp"}, {"port_range_min", 22}, {"port_range_max", 22},
                             {"remote_ip_prefix", "192.0.2.0/24"}})),
            "SecurityGroupRuleExists");
  EXPECT_EQ(error_type(rule({{"protocol", "tcp"}, {"port_range_min", 90}, {"port_range_max", 80}})),
            "SecurityGroupInvalidPortRange");
  EXPECT_EQ(error_type(rule({{"protocol", "tcp"}, {"port_range_min", 1}, {"port_range_max", 70000}})),
            "SecurityGroupInvalidPortRange");
  EXPECT_EQ(error_type(rule({{"protocol", "bogus"}})), "SecurityGroupRuleInvalidProtocol");
  EXPECT_EQ(error_type(rule({{"port_range_min", 80}, {"port_range_max", 80}})),
            "SecurityGroupProtocolRequiredWithPorts");
  EXPECT_EQ(error_type(rule({{"ethertype", "IPv6"}, {"remote_ip_prefix", "10.0.0.0/8"}})),
            "SecurityGroupRuleParameterConflict");
  EXPECT_EQ(error_type(rule({{"remote_ip_prefix", "10.0.0.0/8"}, {"remote_group_id", g["id"]}})),
            "SecurityGroupRemoteGroupAndRemoteIpPrefix");
  EXPECT_EQ(rule({{"protocol", "icmp"}, {"port_range_min", 8}, {"port_range_max", 0}}).reply.status, 201);
  EXPECT_EQ(rule({{"protocol", 132}}).reply.status, 201); // by number
  EXPECT_EQ(error_type(rule({{"direction", "sideways"}})), "InvalidInput");

  // A group in use stays; without port security a port takes none.
  const auto n = network();
  auto p = port(n, {{"security_groups", {g["id"]}}});
  ASSERT_EQ(p.reply.status, 201) << p.reply.body;
  EXPECT_EQ(error_type(run("delete_security_group", nullptr, {{"security_group_id", g["id"]}})),
            "SecurityGroupInUse");
  EXPECT_EQ(error_type(port(n, {{"port_security_enabled", false}, {"security_groups", {g["id"]}}})),
            "PortSecurityAndIPRequiredForSecurityGroups");
  EXPECT_EQ(error_type(port(n, {{"security_groups", {"no-such-group"}}})), "SecurityGroupNotFound");
  ASSERT_EQ(run("delete_port", nullptr, {{"port_id", body_of(p)["port"]["id"]}}).reply.status, 204);
  EXPECT_EQ(run("delete_security_group", nullptr, {{"security_group_id", g["id"]}}).reply.status, 204);
  EXPECT_TRUE(model.rules_of(g["id"]).empty());
}

} // namespace
