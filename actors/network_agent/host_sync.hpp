#pragma once
// One pass of the Linux bridge agent over its host: from the ports bound
// here (the server's bindings) to the kernel devices that realise them,
// idempotently, as Neutron's linuxbridge agent did — a bridge per network
// (`brq` + 11 chars of its id); for vxlan a `vxlan-<vni>` device on the
// tunnel address with the network's other hosts as remote endpoints
// (l2population); for vlan a sub-interface of the physical interface; for
// gre a gretap device per remote host, isolated from each other on the
// bridge (split horizon, so a full mesh cannot loop); for flat the
// physical interface itself; for local the bridge alone. A port's tap
// (`tap` + 11 chars) — made by the hypervisor — is plugged into its
// network's bridge. Devices of ours that no binding needs are removed.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::netlink {
class netlink_driver;
}

namespace stratus::network_agent {

/// What the agent knows of its host.
struct host_config {
  std::string tunnel_ip;                              // local VTEP address
  std::string underlay_device;                        // the device it is on
  std::map<std::string, std::string> bridge_mappings; // physnet → interface
  uint16_t vxlan_port = 4789;
};

struct sync_result {
  std::vector<std::string> up;      // ports plugged into their bridge
  std::vector<std::string> down;    // ports whose tap is missing or failed
  std::vector<std::string> removed; // devices no port needs any more
  std::vector<std::string> errors;  // what could not be done, and why
};

/// Brings the host's devices in line with `bindings` (the server's JSON
/// array for this host). Never throws: failures are listed per network.
sync_result sync_host(netlink::netlink_driver& kernel, const nlohmann::json& bindings,
                      const host_config& config);

/// Device names, shared with whoever plugs taps.
std::string vxlan_name(uint32_t vni);
std::string vlan_name(const std::string& parent, uint32_t vlan_id);
std::string gretap_name(uint32_t key, const std::string& remote_ip);

} // namespace stratus::network_agent
