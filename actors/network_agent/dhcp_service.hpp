#pragma once
// The DHCP side of the agent, as Neutron's DHCP agent does it: for each
// DHCP port bound to this host, a namespace (`qdhcp-<network>`) holding
// the port's far end (`ns-` + 11 chars of the port id, its MAC and
// address; the host end is the port's tap, plugged into the network's
// bridge like any other) and a dnsmasq serving every port of the network
// its fixed address from a hosts file — static leases only, so every
// address stays the one IPAM gave. A changed hosts file is re-read on
// SIGHUP; servers no port needs are stopped and their namespaces removed.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::netlink {
class netlink_driver;
}

namespace stratus::network_agent {

class dhcp_service {
public:
  /// `host_netns`: the host's namespace path ("" = own); `node` tells
  /// namespaces apart when several hosts share one machine's /run/netns;
  /// `state_dir` holds each server's config, pid and log.
  dhcp_service(std::string host_netns, std::string node, std::filesystem::path state_dir);

  /// Brings the DHCP servers in line with `bindings` (the host's port
  /// bindings; DHCP ports carry a "dhcp" object). Failures are appended to
  /// `errors`; never throws.
  void sync(netlink::netlink_driver& host, const nlohmann::json& bindings,
            std::vector<std::string>& errors);

  /// Stops every DHCP server of this host (the agent is going away for
  /// good; after a kill -9 they keep serving and the next agent adopts them).
  void stop_all();

  /// The namespace of `network_id`'s DHCP server on this host.
  std::string namespace_of(const std::string& network_id) const;

private:
  void serve(netlink::netlink_driver& host, const nlohmann::json& binding);
  void stop(const std::string& network_id);

  std::string host_netns_;
  std::string node_;
  std::filesystem::path dir_;
};

} // namespace stratus::network_agent
