#pragma once
// The compute node's hypervisor calls, on a thread of their own: libvirt
// blocks, the compute actor must not. The worker owns the driver; each
// request runs one driver call and answers its result, or an error
// carrying the hypervisor's reason.
//
//   (host_atom)                      -> (std::string host facts as JSON)
//   (spawn_atom, uuid, name, vcpus, memory_mb, disk_path) -> (int power_state)
//   (act_atom, uuid, action)         -> (int power_state)  reboot_soft, …, delete
//   (guests_atom)                    -> (std::string JSON: power state by uuid)

#include <functional>
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

/// Opens the driver lazily (on the first request) with `connect`, so a
/// hypervisor that is down fails requests instead of the role's start.
caf::behavior hypervisor_worker(
    caf::event_based_actor* self,
    std::function<std::unique_ptr<hypervisor::hypervisor_driver>()> connect);

} // namespace stratus::compute
