#pragma once
// The compute node's hypervisor calls, on a thread of their own: libvirt
// blocks, the compute actor must not. The worker owns the driver; each
// request runs one driver call and answers its result, or an error
// carrying the hypervisor's reason.
//
//   (host_atom)                      -> (std::string host facts as JSON)
//   (spawn_atom, std::string guest JSON)  -> (int power_state)
//       the guest as guest_spec_of reads it; before the hypervisor starts
//       it, its disk overlay is made on the cached image and its NICs'
//       bridges are made if the agent has not yet (os-vif's linux_bridge
//       plugin does the same for Nova)
//   (act_atom, uuid, action)         -> (int power_state)  reboot_soft, …, delete
//       (delete also removes the guest's directory: disk, console log)
//   (consoles_atom, uuid)            -> (std::string JSON: "vnc"/"serial" → "host:port")
//   (guests_atom)                    -> (std::string JSON: power state by uuid)

#include <filesystem>
#include <functional>
#include <string>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/atom.hpp>

namespace stratus::hypervisor {
class hypervisor_driver;
}

namespace stratus::compute {

using host_atom = caf::atom_constant<caf::atom("hvhost")>;
using spawn_atom = caf::atom_constant<caf::atom("hvspawn")>;
using act_atom = caf::atom_constant<caf::atom("hvact")>;
using guests_atom = caf::atom_constant<caf::atom("hvguests")>;
using consoles_atom = caf::atom_constant<caf::atom("hvconsole")>;

/// Opens the driver lazily (on the first request) with `connect`, so a
/// hypervisor that is down fails requests instead of the role's start.
/// `instances_dir` holds a directory per guest; `host_netns` is where the
/// guests' bridges are ("" = this namespace).
caf::behavior hypervisor_worker(
    caf::event_based_actor* self,
    std::function<std::unique_ptr<hypervisor::hypervisor_driver>()> connect,
    std::filesystem::path instances_dir, std::string host_netns);

} // namespace stratus::compute
