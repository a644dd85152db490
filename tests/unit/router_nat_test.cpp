// A router's NAT table as the agent writes it into the router's namespace:
// a DNAT/SNAT pair per floating IP, then SNAT to the gateway address for
// everything else leaving through the gateway leg (when enable_snat), and
// nothing to translate without a gateway.

#include <gtest/gtest.h>

#include "actors/network_agent/router_nat.hpp"

using namespace stratus::network_agent;
using json = nlohmann::json;

namespace {

json router(bool enable_snat, json floating_ips) {
  return {{"id", "r1"},
          {"gateway",
           {{"device", "qg-3c000000-00"}, {"ip_address", "172.24.4.5"}, {"enable_snat", enable_snat}}},
          {"floating_ips", floating_ips}};
}

const json floating_ip = {{"floating_ip_address", "172.24.4.50"}, {"fixed_ip_address", "10.0.0.5"}};

TEST(RouterNat, FloatingIpsFirstThenTheGatewaysSnat) {
  const auto table = router_nat_table(router(true, {floating_ip}));
  EXPECT_EQ(table.family, "ip");
  EXPECT_EQ(table.chains.at("destination_nat").rules,
            std::vector<std::string>{"ip daddr 172.24.4.50 dnat to 10.0.0.5"});
  EXPECT_EQ(table.chains.at("source_nat").rules,
            (std::vector<std::string>{
                "ip saddr 10.0.0.5 oifname \"qg-3c000000-00\" snat to 172.24.4.50",
                "oifname \"qg-3c000000-00\" snat to 172.24.4.5"}));
  EXPECT_NE(table.chains.at("destination_nat").hook.find("hook prerouting"), std::string::npos);
  EXPECT_NE(table.chains.at("source_nat").hook.find("hook postrouting"), std::string::npos);
}

TEST(RouterNat, WithoutSnatOnlyFloatingIpsAreTranslated) {
  const auto table = router_nat_table(router(false, {floating_ip}));
  EXPECT_EQ(table.chains.at("source_nat").rules.size(), 1u);
  EXPECT_TRUE(router_nat_table(router(false, json::array())).chains.at("source_nat").rules.empty());
}

TEST(RouterNat, NoGatewayNoTranslation) {
  json r = router(true, {floating_ip});
  r["gateway"] = nullptr;
  const auto table = router_nat_table(r);
  EXPECT_TRUE(table.chains.at("destination_nat").rules.empty());
  EXPECT_TRUE(table.chains.at("source_nat").rules.empty());
}

} // namespace
