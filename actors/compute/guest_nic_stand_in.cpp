#include "actors/compute/guest_nic_stand_in.hpp"

#include <chrono>
#include <fstream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/network/mechanism_driver.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/namespace_process.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"

namespace stratus::compute {

using nlohmann::json;
using json_fields::str;

std::string guest_namespace(const std::string& uuid) {
  return "stratus-guest-" + uuid;
}

namespace {

/// udhcpc's hook (busybox calls it with the lease in its environment):
/// applies the lease as a guest's DHCP client would.
constexpr const char* dhcp_hook = R"(#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface" scope global
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
)";

constexpr auto dhcp_timeout = std::chrono::seconds(30);

/// Asks the network's DHCP server for `nic`'s address, as the guest's
/// own client would at boot; throws if no server answers.
void lease_address(const std::string& guest_path, const std::string& nic,
                   const std::filesystem::path& hook) {
  if (!std::filesystem::exists(hook)) {
    std::ofstream(hook) << dhcp_hook;
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
  }
  const int status = netlink::run_in_namespace_and_wait(
      guest_path,
      {"busybox", "udhcpc", "-i", nic, "-f", "-q", "-n", "-t", "20", "-T", "1", "-s",
       hook.string()},
      std::chrono::duration_cast<std::chrono::milliseconds>(dhcp_timeout));
  if (status != 0)
    throw std::runtime_error("no DHCP answer for " + nic + " within " +
                             std::to_string(dhcp_timeout.count()) + " s");
}

} // namespace

caf::behavior guest_nic_stand_in(caf::event_based_actor*, std::string host_netns,
                                 std::filesystem::path dhcp_hook_file) {
  return {
      [host_netns, dhcp_hook_file](plug_atom, const std::string& uuid,
                                   const std::string& ports_text,
                                   uint32_t first_index) -> caf::result<std::string> {
        try {
          const json ports = json::parse(ports_text);
          const auto name = guest_namespace(uuid);
          const auto path = netlink::create_namespace(name);
          auto host = netlink::open_netlink_driver(host_netns);
          auto guest = netlink::open_netlink_driver(path);
          guest->set_up("lo");
          uint32_t index = first_index;
          for (auto& p : ports) {
            const auto nic = "eth" + std::to_string(index++);
            const auto tap = network::tap_name(str(p, "id"));
            host->ensure_veth(tap, nic, path);
            guest->set_mac(nic, str(p, "mac_address"));
            guest->set_mtu(nic, p.value("mtu", 1500u));
            guest->set_up(nic);
            // Addresses of subnets with DHCP come from the network's DHCP
            // server; the others are configured as a config drive would.
            bool leased = false;
            for (auto& ip : p.value("fixed_ips", json::array())) {
              if (ip.value("enable_dhcp", false) && ip.value("version", 4) == 4) {
                if (!leased)
                  lease_address(path, nic, dhcp_hook_file);
                leased = true;
                continue;
              }
              guest->ensure_address(nic, str(ip, "ip_address") + "/" +
                                             std::to_string(ip.value("prefixlen", 24)));
            }
          }
          return name;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [host_netns](unplug_atom, const std::string& port_text) -> caf::result<bool> {
        try { // the tap goes, and with it the guest's end
          const json port = json::parse(port_text);
          netlink::open_netlink_driver(host_netns)->delete_link(network::tap_name(str(port, "id")));
          return true;
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
