// Security groups enforced by firewall_sync with nftables on a real
// bridge: a host namespace with a bridge and two guests on veth "taps",
// each in a namespace of its own, as the agent sees a compute node.
// Needs root; skipped otherwise.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/network_agent/firewall_sync.hpp"
#include "drivers/netlink/network_namespace.hpp"
#include "tests/netns/netns_helpers.hpp"

using namespace stratus::netlink;
using namespace stratus::network_agent;
using namespace stratus::test;
using json = nlohmann::json;

namespace {

const std::string bridge = "brq11111111-11";
const std::string group = "5d5b3a0e-0000-4000-8000-000000000001";

class SecurityGroupFirewall : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto why = namespaces_unavailable())
      GTEST_SKIP() << *why;
    for (const char* role : {"host", "guest1", "guest2"})
      path_[role] = create_namespace(ns(role));
    sh("ip -n " + ns("host") + " link add " + bridge + " type bridge");
    sh("ip -n " + ns("host") + " link set " + bridge + " up");
    guest("guest1", "tap1", "fa:16:3e:00:00:01", "10.20.0.11");
    guest("guest2", "tap2", "fa:16:3e:00:00:02", "10.20.0.12");
    firewall_ = std::make_unique<firewall_sync>(path_["host"]);
  }

  void TearDown() override {
    firewall_.reset();
    for (auto& [role, path] : path_)
      delete_namespace(ns(role));
  }

  void guest(const std::string& role, const std::string& tap, const std::string& mac,
             const std::string& address) {
    sh("ip -n " + ns("host") + " link add " + tap + " type veth peer name eth0 netns " + ns(role));
    sh("ip -n " + ns("host") + " link set " + tap + " master " + bridge + " up");
    sh("ip -n " + ns(role) + " link set eth0 address " + mac + " up");
    sh("ip -n " + ns(role) + " addr add " + address + "/24 dev eth0");
    ports_.push_back({{"port_id", tap},
                      {"tap", tap},
                      {"bridge", bridge},
                      {"mac_address", mac},
                      {"device_owner", "compute:nova"},
                      {"port_security_enabled", true},
                      {"security_groups", {group}},
                      {"allowed_address_pairs", json::array()},
                      {"fixed_ips", {{{"ip_address", address}}}}});
  }

  /// The default group's rules, plus `extra`.
  json groups(json extra = json::array()) {
    json rules = json::array({
        {{"direction", "egress"}, {"ethertype", "IPv4"}},
        {{"direction", "egress"}, {"ethertype", "IPv6"}},
        {{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "tcp"},
         {"port_range_min", 22}, {"port_range_max", 22}, {"remote_group_id", group}},
    });
    for (auto& r : extra)
      rules.push_back(r);
    for (std::size_t i = 0; i < rules.size(); ++i)
      rules[i]["id"] = "rule-" + std::to_string(i);
    return {{"groups", {{group, rules.dump()}}},
            {"members", {{group, {{"IPv4", {"10.20.0.11", "10.20.0.12"}}, {"IPv6", json::array()}}}}}};
  }

  void enforce(const json& security) {
    auto errors = firewall_->sync(ports_, security);
    ASSERT_TRUE(errors.empty()) << errors.front();
  }

  std::map<std::string, std::string> path_;
  json ports_ = json::array();
  std::unique_ptr<firewall_sync> firewall_;
};

const json icmp_from_members = {{"direction", "ingress"}, {"ethertype", "IPv4"},
                                {"protocol", "icmp"},     {"remote_group_id", group}};

TEST_F(SecurityGroupFirewall, PingPassesOnlyWhileAnIcmpRuleAllowsIt) {
  enforce(groups());
  EXPECT_FALSE(ping_once(ns("guest1"), "10.20.0.12")) << "no rule lets ICMP in";

  enforce(groups({icmp_from_members}));
  EXPECT_TRUE(ping_within(ns("guest1"), "10.20.0.12", std::chrono::seconds(5)));
  EXPECT_TRUE(ping_once(ns("guest2"), "10.20.0.11"));

  enforce(groups());
  EXPECT_FALSE(ping_once(ns("guest1"), "10.20.0.12")) << "the rule is gone";
}

TEST_F(SecurityGroupFirewall, ASpoofedSourceAddressIsDropped) {
  enforce(groups({icmp_from_members}));
  ASSERT_TRUE(ping_within(ns("guest1"), "10.20.0.12", std::chrono::seconds(5)));
  // guest1 takes another address of the subnet and sends from it.
  sh("ip -n " + ns("guest1") + " addr add 10.20.0.99/24 dev eth0");
  EXPECT_FALSE(ping_once(ns("guest1"), "-I 10.20.0.99 10.20.0.12"));

  // Allowed as an address pair, the same address passes anti-spoofing
  // (and guest2's group lets in ICMP from anywhere now).
  ports_[0]["allowed_address_pairs"] = {{{"ip_address", "10.20.0.99"}}};
  enforce(groups({{{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "icmp"},
                   {"remote_ip_prefix", "0.0.0.0/0"}}}));
  EXPECT_TRUE(ping_within(ns("guest1"), "-I 10.20.0.99 10.20.0.12", std::chrono::seconds(5)));
}

TEST_F(SecurityGroupFirewall, APortWithoutPortSecurityIsNotFiltered) {
  for (auto& p : ports_)
    p["port_security_enabled"] = false;
  enforce(groups());
  EXPECT_TRUE(ping_within(ns("guest1"), "10.20.0.12", std::chrono::seconds(5)));
}

TEST_F(SecurityGroupFirewall, RepliesToAllowedEgressComeBackStatefully) {
  // guest2 may not receive ICMP from anyone, but may ping out: its
  // replies come back as established traffic.
  enforce(groups({{{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "icmp"},
                   {"remote_ip_prefix", "10.20.0.12/32"}}}));
  EXPECT_TRUE(ping_within(ns("guest2"), "10.20.0.11", std::chrono::seconds(5)));
  EXPECT_FALSE(ping_once(ns("guest1"), "10.20.0.12"));
}

TEST_F(SecurityGroupFirewall, RulesTakenAwayByHandComeBackOnTheNextFullPass) {
  firewall_ = std::make_unique<firewall_sync>(path_["host"], std::chrono::seconds(0));
  enforce(groups());
  sh("ip netns exec " + ns("host") + " nft delete table inet stratus");
  EXPECT_TRUE(ping_within(ns("guest1"), "10.20.0.12", std::chrono::seconds(5)))
      << "without the table nothing is filtered";
  enforce(groups());
  EXPECT_FALSE(ping_once(ns("guest1"), "10.20.0.12"));
}

} // namespace
