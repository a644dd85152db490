// Nova's security-group proxy without actors: Nova's view of the Networking
// API's groups (ingress rules only, ICMP -1, TCP without ports as 1-65535,
// the source group by name), the rule checks that answer 400 before
// anything is asked of Neutron, the Networking API calls a rule, an
// addSecurityGroup and a removeSecurityGroup become, how Neutron's
// failures come back (409 in use → 400), 404 from microversion 2.36, and
// the groups a new server asks for. Beside them, the rest of what Nova
// reads from a server's ports: its floating IPs among its addresses.

#include <gtest/gtest.h>

#include "actors/compute_api/compute_api.hpp"

using namespace stratus;
using namespace stratus::compute;

namespace {

const std::string web_id = "11111111-1111-4111-8111-111111111111";
const std::string default_id = "22222222-2222-4222-8222-222222222222";

json rule(const std::string& id, const std::string& group, const std::string& direction, json protocol,
          json low, json high, json prefix, json remote_group = nullptr) {
  return {{"id", id},          {"security_group_id", group}, {"direction", direction},
          {"ethertype", "IPv4"}, {"protocol", protocol},      {"port_range_min", low},
          {"port_range_max", high}, {"remote_ip_prefix", prefix}, {"remote_group_id", remote_group}};
}

class ComputeSecurityGroups : public ::testing::Test {
protected:
  compute_catalog catalog;
  compute_api api{catalog};
  cell_view cell;
  std::string version = "compute 2.35";

  void SetUp() override {
    cell.security_groups = json::array(
        {{{"id", web_id},
          {"name", "web"},
          {"description", "web servers"},
          {"project_id", "project-1"},
          {"tenant_id", "project-1"},
          {"security_group_rules",
           json::array({rule("r-egress", web_id, "egress", nullptr, nullptr, nullptr, nullptr),
                        rule("r-ssh", web_id, "ingress", "tcp", 22, 22, "10.0.0.0/24"),
                        rule("r-tcp", web_id, "ingress", "tcp", nullptr, nullptr, nullptr),
                        rule("r-icmp", web_id, "ingress", "icmp", nullptr, nullptr, nullptr, default_id)})}},
         {{"id", default_id},
          {"name", "default"},
          {"description", "Default security group"},
          {"project_id", "project-1"},
          {"tenant_id", "project-1"},
          {"security_group_rules", json::array()}}});
    cell.ports = json::array({{{"id", "port-1"},
                               {"device_id", "s1"},
                               {"fixed_ips", json::array({{{"ip_address", "10.0.0.5"}}})},
                               {"security_groups", json::array({default_id})}}});
    cell.ports_seen = true;
    cell.servers = {{{"uuid", "s1"}, {"project_id", "project-1"}, {"vm_state", "active"}, {"host", "cmp-1"}}};
  }

  compute_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {}) {
    msg::context ctx;
    ctx.caller.user_id = "user-1";
    ctx.caller.project_id = "project-1";
    ctx.caller.roles = {"member"};
    msg::api_call_request req;
    req.operation = "os_compute_api:" + op;
    req.body = body.is_null() ? "" : body.dump();
    req.path = std::move(path);
    req.headers = {{"openstack-api-version", version}};
    req.base_url = "http://test";
    return api.handle(ctx, req, cell, 1'800'000'000);
  }

  static json body_of(const api_support::api_answer& r) {
    return json::parse(r.reply.body);
  }

  compute_result add_rule(json rule) {
    return run("os-security-groups:rule:create", {{"security_group_rule", rule}});
  }

  static std::string error_of(const compute_result& r) {
    return r.error ? r.error->message : "(no error: " + std::to_string(r.reply.status) + ")";
  }
};

TEST_F(ComputeSecurityGroups, GroupsShowTheirIngressRulesAsNovaDoes) {
  const auto g = body_of(run("os-security-groups:show", nullptr, {{"security_group_id", web_id}}))["security_group"];
  EXPECT_EQ(g["tenant_id"], "project-1");
  ASSERT_EQ(g["rules"].size(), 3u); // the egress rule is not shown
  const json& ssh = g["rules"][0];
  EXPECT_EQ(ssh, (json{{"id", "r-ssh"}, {"parent_group_id", web_id}, {"ip_protocol", "tcp"},
                       {"from_port", 22}, {"to_port", 22}, {"group", json::object()},
                       {"ip_range", {{"cidr", "10.0.0.0/24"}}}}));
  EXPECT_EQ(g["rules"][1]["from_port"], 1); // TCP without ports: all of them
  EXPECT_EQ(g["rules"][1]["to_port"], 65535);
  EXPECT_EQ(g["rules"][1]["ip_range"], (json{{"cidr", "0.0.0.0/0"}}));
  EXPECT_EQ(g["rules"][2]["from_port"], -1); // ICMP without type and code
  EXPECT_EQ(g["rules"][2]["group"], (json{{"name", "default"}, {"tenant_id", "project-1"}}));
  EXPECT_EQ(g["rules"][2]["ip_range"], json::object());

  const auto list = body_of(run("os-security-groups:get"))["security_groups"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "default"); // by tenant, then name
}

TEST_F(ComputeSecurityGroups, TheProxyIsGoneFrom236) {
  version = "compute 2.36";
  for (auto op : {"os-security-groups:get", "os-security-groups:create", "os-security-groups:rule:create"}) {
    auto r = run(op, {{"x", 1}});
    ASSERT_TRUE(r.error) << op;
    EXPECT_EQ(r.error->code, msg::errc::not_found);
  }
  // A server's groups stay.
  auto r = run("os-security-groups:list", nullptr, {{"server_id", "s1"}});
  ASSERT_FALSE(r.error) << error_of(r);
  EXPECT_EQ(body_of(r)["security_groups"][0]["id"], default_id);
}

TEST_F(ComputeSecurityGroups, BadRulesAreRefusedBeforeNeutronIsAsked) {
  struct {
    json rule;
    msg::errc code;
    std::string message;
  } cases[] = {
      {{{"parent_group_id", "web"}}, msg::errc::invalid, "Security group id should be uuid"},
      {{{"parent_group_id", "33333333-3333-4333-8333-333333333333"}}, msg::errc::not_found,
       "Security group 33333333-3333-4333-8333-333333333333 does not exist"},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", 80}, {"to_port", 22}},
       msg::errc::invalid, "Invalid port range 80:22. Former value cannot be greater than the later"},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", 0}, {"to_port", 22}},
       msg::errc::invalid, "Invalid port range 0:22. Valid TCP ports should be between 1-65535"},
      {{{"parent_group_id", web_id}, {"ip_protocol", "icmp"}, {"from_port", 300}, {"to_port", 0}},
       msg::errc::invalid, "Invalid port range 300:0. For ICMP, the type:code must be valid"},
      {{{"parent_group_id", web_id}, {"ip_protocol", "sctp"}, {"from_port", 1}, {"to_port", 2}},
       msg::errc::invalid, "Invalid IP protocol sctp."},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", "a"}, {"to_port", 2}},
       msg::errc::invalid, "Invalid input received: To and From ports must be integers"},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", 1}, {"to_port", 2},
        {"cidr", "10.0.0.0"}},
       msg::errc::invalid, "10.0.0.0 is not a valid IP network."},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", 1}, {"to_port", 2},
        {"cidr", "10.0.0.1/0"}},
       msg::errc::invalid, "Bad prefix for network in cidr 10.0.0.1/0"},
      {{{"parent_group_id", web_id}, {"cidr", "10.0.0.0/8"}}, msg::errc::invalid,
       "Not enough parameters to build a valid rule."},
      {{{"parent_group_id", web_id}, {"ip_protocol", "tcp"}, {"from_port", 22}, {"to_port", 22},
        {"cidr", "10.0.0.0/24"}},
       msg::errc::invalid, "This rule already exists in group " + web_id},
  };
  for (auto& c : cases) {
    auto r = add_rule(c.rule);
    ASSERT_TRUE(r.error) << c.rule.dump();
    EXPECT_EQ(r.error->code, c.code) << c.rule.dump();
    EXPECT_EQ(r.error->message, c.message) << c.rule.dump();
    EXPECT_FALSE(r.network);
  }
}

TEST_F(ComputeSecurityGroups, RulesBecomeNeutronIngressRules) {
  auto r = add_rule({{"parent_group_id", web_id}, {"ip_protocol", "icmp"}, {"from_port", -1},
                     {"to_port", -1}, {"group_id", default_id}});
  ASSERT_TRUE(r.network) << error_of(r);
  ASSERT_EQ(r.network->calls.size(), 1u);
  EXPECT_EQ(r.network->calls[0].operation, "create_security_group_rule");
  const json sent = json::parse(r.network->calls[0].body)["security_group_rule"];
  EXPECT_EQ(sent, (json{{"direction", "ingress"}, {"protocol", "icmp"}, {"ethertype", "IPv4"},
                        {"remote_ip_prefix", nullptr}, {"security_group_id", web_id},
                        {"remote_group_id", default_id}})); // -1: no type or code
  json made = sent;
  made["id"] = "r-new";
  made["port_range_min"] = made["port_range_max"] = nullptr;
  auto shown = r.network->done({201, json{{"security_group_rule", made}}.dump(), {}});
  EXPECT_EQ(shown.reply.status, 200);
  EXPECT_EQ(body_of(shown)["security_group_rule"]["group"], (json{{"name", "default"}, {"tenant_id", "project-1"}}));
  EXPECT_EQ(body_of(shown)["security_group_rule"]["from_port"], -1);

  r = add_rule({{"parent_group_id", web_id}, {"ip_protocol", "udp"}, {"from_port", 53}, {"to_port", 53},
                {"cidr", "2001:db8::/64"}});
  ASSERT_TRUE(r.network) << error_of(r);
  const json v6 = json::parse(r.network->calls[0].body)["security_group_rule"];
  EXPECT_EQ(v6["ethertype"], "IPv6");
  EXPECT_EQ(v6["port_range_min"], 53);
  // Neutron's duplicate (409) is Nova's "limit exceeded" (403).
  auto dup = r.network->done({409, R"({"NeutronError": {"message": "Security group rule already exists."}})", {}});
  ASSERT_TRUE(dup.error);
  EXPECT_EQ(dup.error->code, msg::errc::forbidden);
}

TEST_F(ComputeSecurityGroups, DeletingAGroupInUseIsABadRequest) {
  auto r = run("os-security-groups:delete", nullptr, {{"security_group_id", default_id}});
  ASSERT_TRUE(r.network) << error_of(r);
  auto in_use = r.network->done({409, R"({"NeutronError": {"message": "Security Group x in use."}})", {}});
  ASSERT_TRUE(in_use.error);
  EXPECT_EQ(in_use.error->code, msg::errc::invalid);
  EXPECT_EQ(in_use.error->message, "Security Group x in use.");
  EXPECT_EQ(r.network->done({204, "", {}}).reply.status, 202);
}

TEST_F(ComputeSecurityGroups, ServerActionsUpdateTheServersPorts) {
  version = "compute 2.79";
  auto r = run("servers:action", {{"addSecurityGroup", {{"name", "web"}}}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.network) << error_of(r);
  ASSERT_EQ(r.network->calls.size(), 1u);
  EXPECT_EQ(r.network->calls[0].operation, "update_port");
  EXPECT_EQ(json::parse(r.network->calls[0].body),
            (json{{"port", {{"security_groups", json::array({default_id, web_id})}}}}));
  EXPECT_EQ(r.network->done({200, "{}", {}}).reply.status, 202);

  r = run("servers:action", {{"removeSecurityGroup", {{"name", "web"}}}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::not_found);
  EXPECT_EQ(r.error->message, "Security group web not associated with the instance s1");

  r = run("servers:action", {{"removeSecurityGroup", {{"name", default_id}}}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.network) << error_of(r);
  EXPECT_EQ(json::parse(r.network->calls[0].body), (json{{"port", {{"security_groups", json::array()}}}}));

  r = run("servers:action", {{"addSecurityGroup", {{"name", "nope"}}}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "Security group nope is not found for project project-1");
  r = run("servers:action", {{"addSecurityGroup", {{"name", ""}}}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "Security group name cannot be empty");
}

TEST_F(ComputeSecurityGroups, NewServersAskForGroupsByNameOrId) {
  json ids;
  msg::context ctx;
  ctx.caller.project_id = "project-1";
  msg::api_call_request req;
  api_support::api_call call{ctx, req, nullptr, "", 0};
  compute_call c{call, 79, cell};
  ASSERT_FALSE(requested_security_groups(c, json::array({{{"name", "web"}}, {{"name", "default"}},
                                                         {{"name", web_id}}}),
                                         ids));
  EXPECT_EQ(ids, json::array({web_id, "default"}));
  auto bad = requested_security_groups(c, json::array({{{"name", "nope"}}}), ids);
  ASSERT_TRUE(bad && bad->error);
  EXPECT_EQ(bad->error->message, "Unable to find security_group with name or id 'nope'");
  EXPECT_EQ(bad->error->code, msg::errc::invalid);

  auto names = server_security_group_names(c, "s1");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, json::array({{{"name", "default"}}}));
}

TEST_F(ComputeSecurityGroups, AFloatingIpIsListedBesideTheFixedAddressItTranslatesTo) {
  cell.ports[0]["mac_address"] = "fa:16:3e:00:00:05";
  cell.servers[0]["addresses"] = {{"net1",
                                   {{{"version", 4},
                                     {"addr", "10.0.0.5"},
                                     {"OS-EXT-IPS:type", "fixed"},
                                     {"OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:05"}}}}};
  cell.floating_ips = json::array(
      {{{"floating_ip_address", "172.24.4.11"}, {"fixed_ip_address", "10.0.0.5"}, {"port_id", "port-1"}},
       {{"floating_ip_address", "172.24.4.12"}, {"fixed_ip_address", "10.9.9.9"}, {"port_id", "port-9"}}});
  auto r = run("ips:index", nullptr, {{"server_id", "s1"}});
  ASSERT_EQ(r.reply.status, 200) << error_of(r);
  EXPECT_EQ(body_of(r)["addresses"]["net1"],
            (json{{{"version", 4},
                   {"addr", "10.0.0.5"},
                   {"OS-EXT-IPS:type", "fixed"},
                   {"OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:05"}},
                  {{"version", 4},
                   {"addr", "172.24.4.11"},
                   {"OS-EXT-IPS:type", "floating"},
                   {"OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:05"}}}));
}

} // namespace
