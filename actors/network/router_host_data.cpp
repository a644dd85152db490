// What the network agent on a host needs to realise the routers scheduled
// there (Neutron's L3 agent sync_routers): per router its namespace, the
// interfaces (qr- devices on the tenant networks' bridges), the gateway
// (qg- device on the external network's bridge, with SNAT or not), the
// static routes and the floating IPs to NAT.

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// The router's device for a port: `prefix` + 11 chars of the port id,
/// as Neutron's L3 agent names them (qr-, qg-).
std::string router_device(const std::string& prefix, const std::string& port_id) {
  return prefix + port_id.substr(0, 11);
}

} // namespace

json network_api::host_routers(const std::string& host, int64_t) const {
  json out = json::array();
  if (host.empty())
    return out;
  for (auto& [id, r] : model_.routers()) {
    if (str(r, "l3_host") != host)
      continue;
    // One address of a port as the agent configures it.
    auto address = [this](const json& ip) {
      const json* s = model_.find(kinds::subnet, str(ip, "subnet_id"));
      auto cidr = s ? ip_network::parse(str(*s, "cidr")) : std::nullopt;
      return json{{"ip_address", str(ip, "ip_address")},
                  {"prefixlen", cidr ? cidr->prefix : 32},
                  {"subnet_id", str(ip, "subnet_id")},
                  {"cidr", cidr ? cidr->str() : ""},
                  {"gateway_ip", s ? s->value("gateway_ip", json()) : json()}};
    };
    json interfaces = json::array();
    json gateway = nullptr;
    for (auto& pid : model_.ports_of_device(id)) {
      const json& p = *model_.find(kinds::port, pid);
      const auto owner = str(p, "device_owner");
      if (owner != router_interface_owner && owner != router_gateway_owner)
        continue;
      const json* n = model_.find(kinds::network, str(p, "network_id"));
      json ips = json::array();
      json first_v4 = nullptr;
      for (auto& ip : p.value("fixed_ips", json::array())) {
        json a = address(ip);
        if (first_v4.is_null() && str(a, "ip_address").find(':') == std::string::npos)
          first_v4 = a;
        ips.push_back(std::move(a));
      }
      json primary = !first_v4.is_null() ? first_v4 : (ips.empty() ? json::object() : ips[0]);
      json device{{"port_id", pid},
                  {"mac_address", str(p, "mac_address")},
                  {"ip_address", primary.value("ip_address", "")},
                  {"prefixlen", primary.value("prefixlen", 32)},
                  {"subnet_id", primary.value("subnet_id", "")},
                  {"cidr", primary.value("cidr", "")},
                  {"fixed_ips", ips},
                  {"network_id", str(p, "network_id")},
                  {"bridge", bridge_name(str(p, "network_id"))},
                  {"tap", tap_name(pid)},
                  {"mtu", n ? n->value("mtu", 1500) : 1500},
                  {"bound", str(p, "binding:vif_type") == "bridge"}};
      if (owner == router_interface_owner) {
        device["device"] = router_device("qr-", pid);
        interfaces.push_back(std::move(device));
      } else {
        device["device"] = router_device("qg-", pid);
        device["gateway_ip"] = primary.value("gateway_ip", json());
        device["enable_snat"] =
            r.value("external_gateway_info", json::object()).value("enable_snat", true);
        gateway = std::move(device);
      }
    }
    json floating_ips = json::array();
    for (auto& [fid, f] : model_.floatingips())
      if (str(f, "router_id") == id && !f.value("port_id", json()).is_null())
        floating_ips.push_back({{"id", fid},
                                {"floating_ip_address", str(f, "floating_ip_address")},
                                {"fixed_ip_address", str(f, "fixed_ip_address")},
                                {"port_id", str(f, "port_id")},
                                {"status", str(f, "status")}});
    out.push_back({{"id", id},
                   {"admin_state_up", r.value("admin_state_up", true)},
                   {"namespace", "qrouter-" + id},
                   {"interfaces", interfaces},
                   {"gateway", gateway},
                   {"routes", r.value("routes", json::array())},
                   {"floating_ips", floating_ips}});
  }
  return out;
}

} // namespace stratus::network
