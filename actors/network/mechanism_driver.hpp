#pragma once
// ML2's other half (neutron_lib/plugins/ml2/api.py, MechanismDriver): it
// binds a port to a host — decides whether the agent there can realise
// the port's network, and how the hypervisor should plug it (vif_type,
// vif_details). The Linux bridge driver is the one we have. What it knows
// of hosts comes from the agents' reports (agent_registry).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::network {

/// What a network agent reports about its host (Neutron's agent
/// "configurations"), refreshed by each heartbeat.
struct agent_info {
  std::string id;
  std::string host;
  std::string tunnel_ip;                               // local_ip for vxlan/gre
  std::map<std::string, std::string> bridge_mappings;  // physnet → interface
  std::set<std::string> device_kinds; // link kinds the kernel can make: vxlan, vlan, gretap…
  int64_t started_at = 0;
  int64_t heartbeat_at = 0;
};

/// The agents known to the server, by host; an agent is alive while its
/// last heartbeat is younger than `agent_down_time` (Neutron's option).
class agent_registry {
public:
  explicit agent_registry(int64_t agent_down_time = 75) : down_time_(agent_down_time) {}
  void report(agent_info info, int64_t now);
  /// The agent on `host` if it is alive, else null.
  const agent_info* alive_on(const std::string& host, int64_t now) const;
  bool alive(const agent_info& a, int64_t now) const {
    return now - a.heartbeat_at <= down_time_;
  }
  const std::map<std::string, agent_info>& by_host() const {
    return agents_;
  }

private:
  int64_t down_time_;
  std::map<std::string, agent_info> agents_;
};

/// The outcome of binding: a vif_type other than "binding_failed", or the reason.
struct port_binding {
  std::string vif_type = "binding_failed";
  nlohmann::json vif_details = nlohmann::json::object();
  std::string failure; // why binding failed, for the port and the server's fault
};

class mechanism_driver {
public:
  virtual ~mechanism_driver() = default;
  /// Binds a port of `network` to the host whose agent is `agent` (null if
  /// no live agent runs there). Never throws; a failure says why.
  virtual port_binding bind(const nlohmann::json& network, const agent_info* agent) const = 0;
};

/// The Linux bridge mechanism driver: ports plug into the network's bridge
/// (vif_type "bridge"), realised by the host's agent.
const mechanism_driver& linuxbridge_driver();

/// The deterministic device names the agent and the hypervisor share.
std::string bridge_name(const std::string& network_id); // "brq" + 11 chars
std::string tap_name(const std::string& port_id);       // "tap" + 11 chars

} // namespace stratus::network
