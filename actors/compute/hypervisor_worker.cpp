#include "actors/compute/hypervisor_worker.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/json_fields.hpp"
#include "drivers/hypervisor/disk_overlay.hpp"
#include "drivers/hypervisor/hypervisor_driver.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "runtime/errors.hpp"

namespace stratus::compute {

using hypervisor::hypervisor_driver;
using hypervisor::power_state;

namespace {

/// The guest the compute role asks for, from its JSON.
hypervisor::guest_spec guest_spec_of(const nlohmann::json& g) {
  using json_fields::str;
  hypervisor::guest_spec spec;
  spec.uuid = str(g, "uuid");
  spec.name = str(g, "name");
  spec.vcpus = g.value("vcpus", 1u);
  spec.memory_mb = g.value("memory_mb", uint64_t{512});
  spec.disk_path = str(g, "disk_path");
  spec.disk_format = g.value("disk_format", "raw");
  spec.kernel_path = str(g, "kernel_path");
  spec.ramdisk_path = str(g, "ramdisk_path");
  spec.kernel_cmdline = str(g, "kernel_cmdline");
  for (auto& n : g.value("nics", nlohmann::json::array()))
    spec.nics.push_back({str(n, "bridge"), str(n, "tap"), str(n, "mac"), n.value("mtu", 1500u)});
  spec.console_log = str(g, "console_log");
  spec.serial_port = g.value("serial_port", uint16_t{0});
  spec.vnc_listen = str(g, "vnc_listen");
  spec.definition_copy = str(g, "definition_copy");
  return spec;
}

/// What os-vif's linux_bridge plugin does before Nova starts a guest: the
/// NICs' bridges exist (the agent adds their uplinks), so libvirt can put
/// the taps into them.
void plug_bridges(const std::string& host_netns, const std::vector<hypervisor::guest_nic>& nics) {
  if (nics.empty())
    return;
  auto host = netlink::open_netlink_driver(host_netns);
  for (auto& nic : nics)
    host->ensure_bridge(nic.bridge, nic.mtu);
}

} // namespace

caf::behavior hypervisor_worker(caf::event_based_actor* self,
                                std::function<std::unique_ptr<hypervisor_driver>()> connect,
                                std::filesystem::path instances_dir, std::string host_netns) {
  auto driver = std::make_shared<std::unique_ptr<hypervisor_driver>>();
  // Runs `f` with the driver; any failure becomes the request's error.
  auto with_driver = [connect, driver](auto f) -> caf::result<decltype(f(std::declval<hypervisor_driver&>()))> {
    try {
      if (!*driver)
        *driver = connect();
      return f(**driver);
    } catch (const std::exception& e) {
      return runtime::make_error(msg::errc::internal, e.what());
    }
  };
  (void)self;
  return {
      [with_driver](host_atom) {
        return with_driver([](hypervisor_driver& d) {
          auto h = d.host();
          return nlohmann::json{{"hypervisor_hostname", h.hostname},
                                {"hypervisor_type", h.hypervisor_type},
                                {"hypervisor_version", h.hypervisor_version},
                                {"cpu_model", h.cpu_model},
                                {"vcpus", h.vcpus},
                                {"memory_mb", h.memory_mb}}
              .dump();
        });
      },
      [with_driver, instances_dir, host_netns](spawn_atom, const std::string& guest) {
        return with_driver([&](hypervisor_driver& d) {
          const auto g = nlohmann::json::parse(guest);
          auto spec = guest_spec_of(g);
          if (!spec.disk_path.empty() || !spec.console_log.empty()) // a real guest's files
            std::filesystem::create_directories(instances_dir / spec.uuid);
          if (const auto base = json_fields::str(g, "base_image"); !base.empty()) {
            hypervisor::create_overlay(base, g.value("base_format", "raw"), spec.disk_path);
            spec.disk_format = "qcow2";
          }
          plug_bridges(host_netns, spec.nics);
          d.spawn(spec);
          return static_cast<int>(d.state(spec.uuid));
        });
      },
      [with_driver](consoles_atom, const std::string& uuid) {
        return with_driver([&](hypervisor_driver& d) {
          nlohmann::json out = nlohmann::json::object();
          for (auto& [kind, where] : d.consoles(uuid))
            out[kind] = where;
          return out.dump();
        });
      },
      [with_driver, instances_dir](act_atom, const std::string& uuid, const std::string& action) {
        return with_driver([&](hypervisor_driver& d) {
          if (action == "reboot_soft" || action == "reboot_hard")
            d.reboot(uuid, action == "reboot_hard");
          else if (action == "stop")
            d.power_off(uuid);
          else if (action == "start")
            d.power_on(uuid);
          else if (action == "pause")
            d.pause(uuid);
          else if (action == "unpause")
            d.unpause(uuid);
          else if (action == "suspend")
            d.suspend(uuid);
          else if (action == "resume")
            d.resume(uuid);
          else if (action == "delete") {
            d.destroy(uuid);
            std::error_code ignored; // a guest that never had a directory
            std::filesystem::remove_all(instances_dir / uuid, ignored);
          }
          else
            throw std::invalid_argument("no hypervisor action " + action);
          return static_cast<int>(d.state(uuid));
        });
      },
      [with_driver](guests_atom) {
        return with_driver([](hypervisor_driver& d) {
          nlohmann::json out = nlohmann::json::object();
          for (auto& [uuid, state] : d.guests())
            out[uuid] = static_cast<int>(state);
          return out.dump();
        });
      },
  };
}

} // namespace stratus::compute
