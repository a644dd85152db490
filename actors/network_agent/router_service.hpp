#pragma once
// The L3 side of the agent, as Neutron's L3 agent does it: for each router
// scheduled to this host a namespace (`qrouter-<id>`) holding
//  - a leg per interface: `qr-` + 11 chars of the port id, the far end of
//    a veth whose host end is the port's tap (plugged into the tenant
//    network's bridge by host_sync, like any port), with the port's MAC
//    and addresses (the subnets' gateways);
//  - the gateway leg `qg-` on the external network's bridge, holding the
//    gateway port's address and every floating IP as a /32 (so the router
//    answers ARP for them);
//  - IP forwarding, a default route to the external subnet's gateway and
//    the router's static routes;
//  - the NAT table (router_nat).
// Routers no longer scheduled here (or administratively down) lose their
// namespace, and every device in it with it.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/nftables/nft_table.hpp"

namespace stratus::netlink {
class netlink_driver;
}
namespace stratus::nftables {
class nftables_session;
}

namespace stratus::network_agent {

class router_service {
public:
  /// `host_netns`: the host's namespace path ("" = the agent's own);
  /// `node` tells namespaces apart when hosts share one machine.
  router_service(std::string host_netns, std::string node);
  ~router_service();

  /// Floating IPs by what became of them in a pass.
  struct floating_ip_status {
    std::vector<std::string> up;   // translated by their router
    std::vector<std::string> down; // their router could not be realised
  };

  /// Brings this host's routers in line with `routers` (network_api's
  /// host_routers). Failures are appended to `errors`; never throws.
  floating_ip_status sync(netlink::netlink_driver& host, const nlohmann::json& routers,
                          std::vector<std::string>& errors);

  /// Removes every router namespace of this host (the agent is going away
  /// for good; after a kill -9 they keep routing and the next agent adopts them).
  void stop_all();

  /// The namespace of `router_id` on this host.
  std::string namespace_of(const std::string& router_id) const;

private:
  struct router_state {
    std::unique_ptr<nftables::nftables_session> nft; // in the router's namespace
    std::optional<nftables::nft_table> applied;      // what the kernel holds
    std::chrono::steady_clock::time_point replaced_at; // last whole replacement
    bool set_up = false;                              // loopback up, forwarding on
  };

  void realise(netlink::netlink_driver& host, const nlohmann::json& router);
  void remove(const std::string& namespace_name);

  std::string host_netns_;
  std::string node_;
  std::map<std::string, router_state> routers_; // by namespace name
};

} // namespace stratus::network_agent
