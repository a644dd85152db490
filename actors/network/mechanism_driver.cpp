#include "actors/network/mechanism_driver.hpp"

#include "actors/common/json_fields.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// The link kind a network type needs on the host, if any.
const char* device_kind_for(const std::string& type) {
  if (type == "vlan")
    return "vlan";
  if (type == "vxlan")
    return "vxlan";
  if (type == "gre")
    return "gretap";
  return nullptr;
}

class linuxbridge_mechanism final : public mechanism_driver {
  /// A failed binding says why where admins look: in its vif_details.
  static port_binding failed(port_binding b) {
    b.vif_details = {{"reason", b.failure}};
    return b;
  }

public:
  port_binding bind(const nlohmann::json& network, const agent_info* agent) const override {
    port_binding b;
    const auto type = str(network, "provider:network_type");
    if (!agent) {
      b.failure = "no live network agent on the host";
      return failed(b);
    }
    const auto physnet = str(network, "provider:physical_network");
    if ((type == "flat" || type == "vlan") && !agent->bridge_mappings.count(physnet)) {
      b.failure = "host " + agent->host + " has no interface for physical network " + physnet;
      return failed(b);
    }
    if ((type == "vxlan" || type == "gre") && agent->tunnel_ip.empty()) {
      b.failure = "host " + agent->host + " has no tunnel address for " + type + " networks";
      return failed(b);
    }
    if (auto kind = device_kind_for(type); kind && !agent->device_kinds.count(kind)) {
      b.failure = "host " + agent->host + " cannot realise " + type + " networks: its kernel " +
                  "cannot create " + kind + " devices";
      return failed(b);
    }
    b.vif_type = "bridge";
    b.vif_details = {{"port_filter", true},
                     {"connectivity", "l2"},
                     {"bridge_name", bridge_name(str(network, "id"))}};
    return b;
  }
};

} // namespace

void agent_registry::report(agent_info info, int64_t now) {
  auto& slot = agents_[info.host];
  if (!slot.id.empty())
    info.id = slot.id; // an agent keeps its id across restarts, as Neutron's row does
  info.heartbeat_at = now;
  slot = std::move(info);
}

const agent_info* agent_registry::alive_on(const std::string& host, int64_t now) const {
  auto it = agents_.find(host);
  return it != agents_.end() && alive(it->second, now) ? &it->second : nullptr;
}

const mechanism_driver& linuxbridge_driver() {
  static const linuxbridge_mechanism driver;
  return driver;
}

std::string bridge_name(const std::string& network_id) {
  return "brq" + network_id.substr(0, 11);
}

std::string tap_name(const std::string& port_id) {
  return "tap" + port_id.substr(0, 11);
}

} // namespace stratus::network
