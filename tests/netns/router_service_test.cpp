// Routers realised by router_service in a host namespace, as the agent
// does on a compute node: two tenant networks and an external one, each a
// bridge with a "guest" namespace on it; the router's taps are plugged
// into the bridges here (host_sync's part in the agent). Needs root;
// skipped otherwise.

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/network_agent/router_service.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"
#include "tests/netns/netns_helpers.hpp"

using namespace stratus::netlink;
using namespace stratus::network_agent;
using namespace stratus::test;
using json = nlohmann::json;

namespace {

const std::string router_id = "7a1d0e52-0000-4000-8000-00000000r001";
const std::string floating_ip_id = "f1f1f1f1-0000-4000-8000-000000000001";

class RouterService : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto why = namespaces_unavailable())
      GTEST_SKIP() << *why;
    for (const char* role : {"host", "red", "blue", "outside"})
      path_[role] = create_namespace(ns(role));
    // Two tenant networks and the external one, a guest on each.
    network("brq-red", "red", "10.1.0.10/24", "10.1.0.1");
    network("brq-blue", "blue", "10.2.0.10/24", "10.2.0.1");
    network("brq-ext", "outside", "203.0.113.1/24", ""); // no route to the tenants
    host_ = open_netlink_driver(path_["host"]);
    routers_ = std::make_unique<router_service>(path_["host"], node());
  }

  void TearDown() override {
    if (routers_)
      routers_->stop_all();
    routers_.reset();
    host_.reset();
    for (auto& [role, path] : path_)
      delete_namespace(ns(role));
  }

  static std::string node() {
    return "t" + std::to_string(::getpid());
  }
  void network(const std::string& bridge, const std::string& guest, const std::string& cidr,
               const std::string& gateway) {
    sh("ip -n " + ns("host") + " link add " + bridge + " type bridge");
    sh("ip -n " + ns("host") + " link set " + bridge + " up");
    sh("ip -n " + ns("host") + " link add v-" + guest + " type veth peer name eth0 netns " +
       ns(guest));
    sh("ip -n " + ns("host") + " link set v-" + guest + " master " + bridge + " up");
    sh("ip -n " + ns(guest) + " link set eth0 up");
    sh("ip -n " + ns(guest) + " addr add " + cidr + " dev eth0");
    if (!gateway.empty())
      sh("ip -n " + ns(guest) + " route add default via " + gateway);
  }

  static json leg(const std::string& port, const std::string& prefix, const std::string& mac,
                  const std::string& ip, int prefixlen) {
    return {{"port_id", port},
            {"device", prefix + port.substr(0, 11)},
            {"tap", "tap" + port.substr(0, 11)},
            {"mac_address", mac},
            {"ip_address", ip},
            {"mtu", 1500},
            {"fixed_ips", {{{"ip_address", ip}, {"prefixlen", prefixlen}}}}};
  }

  /// The router as network_api::host_routers describes it: on both tenant
  /// networks, its gateway on the external one, and `floating_ips`.
  json router(json floating_ips = json::array()) {
    json gateway = leg("3c000000-0003", "qg-", "fa:16:3e:00:00:03", "203.0.113.5", 24);
    gateway["gateway_ip"] = "203.0.113.1";
    gateway["enable_snat"] = true;
    return {{"id", router_id},
            {"admin_state_up", true},
            {"interfaces",
             {leg("1a000000-0001", "qr-", "fa:16:3e:00:00:01", "10.1.0.1", 24),
              leg("2b000000-0002", "qr-", "fa:16:3e:00:00:02", "10.2.0.1", 24)}},
            {"gateway", gateway},
            {"routes", json::array()},
            {"floating_ips", floating_ips}};
  }

  /// One pass, then the taps plugged into their bridges as host_sync would.
  router_service::floating_ip_status realise(const json& routers) {
    std::vector<std::string> errors;
    auto status = routers_->sync(*host_, routers, errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    for (auto& [tap, bridge] : std::map<std::string, std::string>{
             {"tap1a000000-00", "brq-red"}, {"tap2b000000-00", "brq-blue"},
             {"tap3c000000-00", "brq-ext"}})
      if (run("ip -n " + ns("host") + " link show " + tap).status == 0)
        sh("ip -n " + ns("host") + " link set " + tap + " master " + bridge + " up");
    return status;
  }

  /// How many echo requests the guest in `role` has answered (its
  /// kernel's Icmp InEchos): a ping to a floating IP only counts if it
  /// reached the guest, not the router holding the address.
  static long echoes_answered(const std::string& role) {
    const auto snmp = run("ip netns exec " + ns(role) + " cat /proc/net/snmp").output;
    const auto lines = lines_with(snmp, "Icmp:");
    if (lines.size() < 2)
      return -1;
    std::istringstream names(lines[0]), values(lines[1]);
    for (std::string name, value; names >> name && values >> value;)
      if (name == "InEchos")
        return std::stol(value);
    return -1;
  }

  std::map<std::string, std::string> path_;
  std::unique_ptr<netlink_driver> host_;
  std::unique_ptr<router_service> routers_;
};

const json floating_ip = {{"id", floating_ip_id},
                          {"floating_ip_address", "203.0.113.50"},
                          {"fixed_ip_address", "10.1.0.10"},
                          {"port_id", "guest-port"},
                          {"status", "DOWN"}};

TEST_F(RouterService, ARouterJoinsTwoNetworks) {
  realise(json::array({router()}));
  EXPECT_TRUE(namespace_exists(routers_->namespace_of(router_id)));
  EXPECT_TRUE(ping_within(ns("red"), "10.2.0.10"));
  EXPECT_TRUE(ping_once(ns("blue"), "10.1.0.10"));
}

TEST_F(RouterService, GuestsReachTheOutsideThroughSourceNat) {
  realise(json::array({router()}));
  // The outside has no route to 10.0.0.0/8: only a translated source returns.
  EXPECT_TRUE(ping_within(ns("blue"), "203.0.113.1"));

  json without_snat = router();
  without_snat["gateway"]["enable_snat"] = false;
  realise(json::array({without_snat}));
  EXPECT_FALSE(ping_once(ns("blue"), "203.0.113.1")) << "SNAT is off";
}

TEST_F(RouterService, AFloatingIpIsReachableFromOutsideUntilItIsDisassociated) {
  auto status = realise(json::array({router({floating_ip})}));
  EXPECT_EQ(status.up, std::vector<std::string>{floating_ip_id});
  EXPECT_TRUE(ping_within(ns("outside"), "203.0.113.50"));
  const long answered = echoes_answered("red");
  EXPECT_TRUE(ping_once(ns("outside"), "203.0.113.50"));
  EXPECT_EQ(echoes_answered("red"), answered + 1) << "the guest itself answered";
  // The guest's own traffic leaves with its floating address.
  EXPECT_TRUE(ping_once(ns("red"), "203.0.113.1"));

  realise(json::array({router()}));
  EXPECT_FALSE(ping_once(ns("outside"), "203.0.113.50")) << "the floating IP is gone";
  EXPECT_EQ(echoes_answered("red"), answered + 1);
  EXPECT_TRUE(ping_once(ns("outside"), "203.0.113.5")) << "the gateway still answers";
}

TEST_F(RouterService, ARemovedInterfaceAndARemovedRouterLeaveNothingBehind) {
  realise(json::array({router()}));
  ASSERT_TRUE(ping_within(ns("red"), "10.2.0.10"));

  json one_leg = router();
  one_leg["interfaces"].erase(1);
  realise(json::array({one_leg}));
  EXPECT_FALSE(ping_once(ns("red"), "10.2.0.10"));
  EXPECT_NE(run("ip -n " + ns("host") + " link show tap2b000000-00").status, 0)
      << "a removed interface takes its tap with it";

  realise(json::array());
  EXPECT_FALSE(namespace_exists(routers_->namespace_of(router_id)));
  EXPECT_NE(run("ip -n " + ns("host") + " link show tap1a000000-00").status, 0)
      << "the router's taps go with its namespace";
}

TEST_F(RouterService, ADeletedNatTableComesBack) {
  realise(json::array({router({floating_ip})}));
  ASSERT_TRUE(ping_within(ns("outside"), "203.0.113.50"));
  const std::string in_router = "ip netns exec " + routers_->namespace_of(router_id) + " ";
  sh(in_router + "nft delete table ip stratus_router");
  // The next change is refused (no table to edit); the pass after it
  // replaces the table whole.
  json changed = router({floating_ip});
  changed["gateway"]["enable_snat"] = false;
  std::vector<std::string> errors;
  routers_->sync(*host_, json::array({changed}), errors);
  EXPECT_EQ(errors.size(), 1u);
  realise(json::array({changed}));
  EXPECT_EQ(run(in_router + "nft list table ip stratus_router").status, 0);
  const long answered = echoes_answered("red");
  EXPECT_TRUE(ping_once(ns("outside"), "203.0.113.50"));
  EXPECT_EQ(echoes_answered("red"), answered + 1);
}

} // namespace
