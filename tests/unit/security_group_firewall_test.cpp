// How security-group rules become nftables rules, and how a change
// becomes the smallest transaction (no kernel needed here; the netns
// tests run them for real).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/network_agent/security_group_firewall.hpp"
#include "drivers/nftables/nft_table.hpp"

using namespace stratus::network_agent;
using namespace stratus::nftables;
using json = nlohmann::json;

namespace {

std::string text(json rule) {
  return security_group_rule_text(rule);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(SecurityGroupRules, DirectionsProtocolsPortsAndRemotes) {
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "tcp"},
                  {"port_range_min", 22}, {"port_range_max", 22}, {"remote_ip_prefix", "10.0.0.0/8"}}),
            "meta nfproto ipv4 ip saddr 10.0.0.0/8 tcp dport 22 accept");
  EXPECT_EQ(text({{"direction", "egress"}, {"ethertype", "IPv4"}, {"protocol", "udp"},
                  {"port_range_min", 1000}, {"port_range_max", 2000}, {"remote_ip_prefix", "192.0.2.0/24"}}),
            "meta nfproto ipv4 ip daddr 192.0.2.0/24 udp dport 1000-2000 accept");
  EXPECT_EQ(text({{"direction", "egress"}, {"ethertype", "IPv6"}}), "meta nfproto ipv6 accept");
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"remote_ip_prefix", "0.0.0.0/0"}}),
            "meta nfproto ipv4 accept");
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"remote_group_id", "g1"}}),
            "meta nfproto ipv4 ip saddr @members4_g1 accept");
  // ICMP type and code travel in the port range; "icmp" on IPv6 is ICMPv6.
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "icmp"},
                  {"port_range_min", 8}, {"port_range_max", 0}}),
            "meta nfproto ipv4 icmp type 8 icmp code 0 accept");
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv6"}, {"protocol", "icmp"}}),
            "meta nfproto ipv6 meta l4proto ipv6-icmp accept");
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "tcp"}}),
            "meta nfproto ipv4 meta l4proto tcp accept");
  // By name or number, as Neutron stores them.
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "gre"}}),
            "meta nfproto ipv4 meta l4proto 47 accept");
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv4"}, {"protocol", "6"},
                  {"port_range_min", 80}, {"port_range_max", 80}}),
            "meta nfproto ipv4 tcp dport 80 accept");
  // A prefix of the other family can never match.
  EXPECT_EQ(text({{"direction", "ingress"}, {"ethertype", "IPv6"}, {"remote_ip_prefix", "10.0.0.0/8"}}), "");
}

json port(const std::string& tap, json groups, bool port_security = true) {
  return {{"tap", tap},
          {"bridge", "brqA"},
          {"mac_address", "fa:16:3e:00:00:01"},
          {"device_owner", "compute:nova"},
          {"port_security_enabled", port_security},
          {"security_groups", groups},
          {"fixed_ips", {{{"ip_address", "10.0.0.5"}}}},
          {"allowed_address_pairs", {{{"ip_address", "10.0.0.0/28"}}}}};
}

TEST(SecurityGroupRules, PortsGetAntiSpoofingAndTheirGroupsChains) {
  firewall_memory memory;
  const json rules = {{{"id", "r1"}, {"direction", "ingress"}, {"ethertype", "IPv4"},
                       {"remote_group_id", "g1"}}};
  json security = {{"groups", {{"g1", rules.dump()}}},
                   {"members", {{"g1", {{"IPv4", {"10.0.0.5", "10.0.0.6"}}, {"IPv6", json::array()}}}}}};
  auto t = security_group_rules(json::array({port("tapA", {"g1"}), port("tapB", {}, false),
                                             {{"tap", "tapD"}, {"device_owner", "network:dhcp"},
                                              {"port_security_enabled", true}}}),
                                security, memory);
  ASSERT_TRUE(t.bridge.chains.count("check_tapA"));
  EXPECT_FALSE(t.bridge.chains.count("check_tapB")) << "no port security: not filtered";
  EXPECT_FALSE(t.bridge.chains.count("check_tapD")) << "network:* ports are not filtered";
  std::string checks;
  for (auto& r : t.bridge.chains["check_tapA"].rules)
    checks += r + "\n";
  // The pair's /28 covers the fixed address: one set element, no overlap.
  EXPECT_TRUE(contains(checks, "ip saddr != { 10.0.0.0/28 } drop")) << checks;
  EXPECT_TRUE(contains(checks, "ether saddr != { fa:16:3e:00:00:01 } drop")) << checks;
  EXPECT_TRUE(contains(checks, "fe80::f816:3eff:fe00:1")) << checks;
  EXPECT_EQ(t.inet.chains["to_tapA"].rules.back(), "drop");
  EXPECT_TRUE(contains(t.inet.chains["ingress"].rules.at(0), "0x10000 : goto to_tapA"));
  EXPECT_EQ(t.inet.sets["members4_g1"].elements, (std::set<std::string>{"10.0.0.5", "10.0.0.6"}));
  // The group's chain jumps to the bucket that holds its one rule.
  ASSERT_EQ(t.inet.chains["sg_in_g1"].rules.size(), 1u);
  const std::string bucket = t.inet.chains["sg_in_g1"].rules[0].substr(5);
  EXPECT_EQ(bucket.rfind("sg_in_g1_", 0), 0u) << bucket;
  EXPECT_EQ(t.inet.chains[bucket].rules,
            std::vector<std::string>{"meta nfproto ipv4 ip saddr @members4_g1 accept"});
  EXPECT_TRUE(t.inet.chains["sg_out_g1"].rules.empty());
}

TEST(SecurityGroupRules, MarksStayWhileTheirPortStays) {
  stable_numbers marks;
  EXPECT_EQ(marks.of("tapA"), 1u);
  EXPECT_EQ(marks.of("tapB"), 2u);
  marks.keep_only({"tapB"});
  EXPECT_EQ(marks.of("tapB"), 2u);
  EXPECT_EQ(marks.of("tapC"), 1u) << "a freed number is given again";
}

TEST(NftTable, AChangeRewritesOnlyWhatDiffers) {
  nft_table a{"inet", "t", {}, {}};
  a.chains["base"] = {"type filter hook forward priority 0; policy accept;", {"jump one"}};
  a.chains["one"] = {"", {"tcp dport 22 accept"}};
  a.chains["two"] = {"", {"tcp dport 80 accept"}};
  a.sets["s"] = {"ipv4_addr", {"10.0.0.1"}};
  EXPECT_EQ(change_commands(a, a), "");

  nft_table b = a;
  b.chains["two"].rules.push_back("tcp dport 443 accept");
  EXPECT_EQ(change_commands(a, b), "add table inet t\n"
                                   "flush chain inet t two\n"
                                   "add rule inet t two tcp dport 80 accept\n"
                                   "add rule inet t two tcp dport 443 accept\n");

  nft_table c = a;
  c.chains.erase("one");
  c.chains["base"].rules = {};
  c.sets["s"].elements.insert("10.0.0.2");
  const std::string commands = change_commands(a, c);
  EXPECT_TRUE(contains(commands, "flush set inet t s\nadd element inet t s { 10.0.0.1, 10.0.0.2 }\n"));
  // The reference goes before the chain it named.
  EXPECT_LT(commands.find("flush chain inet t base"), commands.find("delete chain inet t one"));

  const std::string whole = replace_commands(a);
  EXPECT_EQ(whole.rfind("add table inet t\ndelete table inet t\n", 0), 0u) << whole;
  EXPECT_TRUE(contains(whole, "add chain inet t base { type filter hook forward priority 0; policy accept; }"));
}

} // namespace
