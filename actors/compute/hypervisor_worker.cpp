#include "actors/compute/hypervisor_worker.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "drivers/hypervisor/hypervisor_driver.hpp"
#include "runtime/errors.hpp"

namespace stratus::compute {

using hypervisor::hypervisor_driver;
using hypervisor::power_state;

caf::behavior hypervisor_worker(caf::event_based_actor* self,
                                std::function<std::unique_ptr<hypervisor_driver>()> connect) {
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
      [with_driver](spawn_atom, const std::string& uuid, const std::string& name, uint32_t vcpus,
                    uint64_t memory_mb, const std::string& disk_path) {
        return with_driver([&](hypervisor_driver& d) {
          d.spawn({uuid, name, vcpus, memory_mb, disk_path});
          return static_cast<int>(d.state(uuid));
        });
      },
      [with_driver](act_atom, const std::string& uuid, const std::string& action) {
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
          else if (action == "delete")
            d.destroy(uuid);
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
