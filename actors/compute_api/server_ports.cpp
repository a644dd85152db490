// What Nova shows of a server's ports: the ports themselves (by device_id)
// and the addresses, floating ones included, as Nova's network info cache
// holds them (https://docs.openstack.org/api-ref/compute/#show-server-details).

#include "actors/common/json_fields.hpp"
#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {

using json_fields::str;

std::vector<const json*> server_ports(const compute_call& c, const std::string& uuid) {
  std::vector<const json*> out;
  for (auto& p : c.cell.ports)
    if (str(p, "device_id") == uuid)
      out.push_back(&p);
  return out;
}

json server_addresses(const compute_call& c, const json& instance) {
  json addresses = instance.value("addresses", json::object());
  // The network whose fixed address `fixed` is, or null.
  auto network_of = [&addresses](const std::string& fixed) -> json* {
    for (auto& [network, entries] : addresses.items())
      for (auto& e : entries)
        if (str(e, "addr") == fixed && str(e, "OS-EXT-IPS:type") == "fixed")
          return &entries;
    return nullptr;
  };
  for (const json* p : server_ports(c, str(instance, "uuid")))
    for (auto& f : c.cell.floating_ips)
      if (str(f, "port_id") == str(*p, "id"))
        if (json* entries = network_of(str(f, "fixed_ip_address")))
          entries->push_back({{"version", 4},
                              {"addr", str(f, "floating_ip_address")},
                              {"OS-EXT-IPS:type", "floating"},
                              {"OS-EXT-IPS-MAC:mac_addr", str(*p, "mac_address")}});
  return addresses;
}

} // namespace stratus::compute
