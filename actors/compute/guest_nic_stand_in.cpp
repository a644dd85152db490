#include "actors/compute/guest_nic_stand_in.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/network/mechanism_driver.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"

namespace stratus::compute {

using nlohmann::json;
using json_fields::str;

std::string guest_namespace(const std::string& uuid) {
  return "stratus-guest-" + uuid;
}

caf::behavior guest_nic_stand_in(caf::event_based_actor*, std::string host_netns) {
  return {
      [host_netns](plug_atom, const std::string& uuid,
                   const std::string& ports_text) -> caf::result<std::string> {
        try {
          const json ports = json::parse(ports_text);
          const auto name = guest_namespace(uuid);
          const auto path = netlink::create_namespace(name);
          auto host = netlink::open_netlink_driver(host_netns);
          auto guest = netlink::open_netlink_driver(path);
          guest->set_up("lo");
          int index = 0;
          for (auto& p : ports) {
            const auto nic = "eth" + std::to_string(index++);
            const auto tap = network::tap_name(str(p, "id"));
            host->ensure_veth(tap, nic, path);
            guest->set_mac(nic, str(p, "mac_address"));
            guest->set_mtu(nic, p.value("mtu", 1500u));
            for (auto& ip : p.value("fixed_ips", json::array()))
              guest->ensure_address(nic, str(ip, "ip_address") + "/" +
                                             std::to_string(ip.value("prefixlen", 24)));
            guest->set_up(nic);
          }
          return name;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [host_netns](unplug_atom, const std::string& uuid,
                   const std::string& ports_text) -> caf::result<bool> {
        // The namespace first: deleting it takes the guest ends, and with
        // them the taps, along.
        std::string failures;
        try {
          netlink::delete_namespace(guest_namespace(uuid));
        } catch (const std::exception& e) {
          failures += e.what();
        }
        try {
          auto host = netlink::open_netlink_driver(host_netns);
          const json ports = json::parse(ports_text, nullptr, false);
          if (ports.is_array())
            for (auto& p : ports)
              host->delete_link(network::tap_name(str(p, "id")));
        } catch (const std::exception& e) {
          failures += std::string{failures.empty() ? "" : "; "} + e.what();
        }
        if (!failures.empty())
          return caf::make_error(caf::sec::runtime_error, failures);
        return true;
      },
  };
}

} // namespace stratus::compute
