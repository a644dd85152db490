#pragma once
// The agent's kernel calls, on a thread of their own: netlink calls block,
// and the socket must be opened inside the host's namespace (setns only
// affects the calling thread). The worker owns the driver, opened lazily.
//
//   (probe_atom)                    -> (std::vector<std::string> link kinds the kernel can make)
//   (resync_atom, std::string bindings JSON) -> (std::string sync_result JSON)

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/network_agent/host_sync.hpp"

namespace stratus::network_agent {

using probe_atom = caf::atom_constant<caf::atom("nlprobe")>;
using resync_atom = caf::atom_constant<caf::atom("nlresync")>;

caf::behavior kernel_worker(caf::event_based_actor* self, std::string netns_path,
                            host_config config);

} // namespace stratus::network_agent
