#include "actors/network_agent/kernel_worker.hpp"

#include "actors/network_agent/dhcp_service.hpp"
#include "actors/network_agent/firewall_sync.hpp"
#include "actors/network_agent/router_service.hpp"

#include <memory>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"

namespace stratus::network_agent {

caf::behavior kernel_worker(caf::event_based_actor* self, std::string netns_path,
                            host_config config, std::string node, std::string dhcp_dir) {
  auto kernel = std::make_shared<std::unique_ptr<netlink::netlink_driver>>();
  auto dhcp = std::make_shared<dhcp_service>(netns_path, node, std::move(dhcp_dir));
  auto routers = std::make_shared<router_service>(netns_path, node);
  self->attach_functor([dhcp, routers] {
    dhcp->stop_all();
    routers->stop_all();
  });
  auto firewall = std::make_shared<firewall_sync>(netns_path);
  auto open = [kernel, netns_path]() -> netlink::netlink_driver& {
    if (!*kernel)
      *kernel = netlink::open_netlink_driver(netns_path);
    return **kernel;
  };
  return {
      [open](probe_atom) -> caf::result<std::vector<std::string>> {
        try {
          std::vector<std::string> kinds;
          for (const char* kind : {"bridge", "veth", "vxlan", "vlan", "gretap"})
            if (open().supports(kind))
              kinds.emplace_back(kind);
          return kinds;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [open, config, dhcp, routers, firewall](
          resync_atom, const std::string& bindings, const std::string& security,
          const std::string& host_routers) -> caf::result<std::string> {
        try {
          auto array = [](const std::string& text) {
            auto parsed = nlohmann::json::parse(text, nullptr, false);
            return parsed.is_array() ? parsed : nlohmann::json::array();
          };
          auto parsed = array(bindings);
          // DHCP servers' and routers' taps must exist to be plugged.
          std::vector<std::string> service_errors; // DHCP servers and routers
          dhcp->sync(open(), parsed, service_errors);
          const auto floating_ips = routers->sync(open(), array(host_routers), service_errors);
          // Rules before devices: a new port's tap is never plugged unfiltered.
          auto groups = nlohmann::json::parse(security, nullptr, false);
          auto firewall_errors =
              firewall->sync(parsed, groups.is_object() ? groups : nlohmann::json::object());
          auto r = sync_host(open(), parsed, config);
          r.errors.insert(r.errors.end(), service_errors.begin(), service_errors.end());
          r.errors.insert(r.errors.end(), firewall_errors.begin(), firewall_errors.end());
          return nlohmann::json{{"up", r.up},
                                {"down", r.down},
                                {"removed", r.removed},
                                {"errors", r.errors},
                                {"floating_ips_up", floating_ips.up},
                                {"floating_ips_down", floating_ips.down}}
              .dump();
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
  };
}

} // namespace stratus::network_agent
