#pragma once
// The agent's kernel calls, on a thread of their own: netlink calls block,
// and the socket must be opened inside the host's namespace (setns only
// affects the calling thread). The worker owns the driver, opened lazily.
//
//   (probe_atom)                    -> (std::vector<std::string> link kinds the kernel can make)
//   (resync_atom, std::string bindings JSON, std::string security groups JSON,
//    std::string routers JSON)      -> (std::string sync_result JSON, with
//                                       floating_ips_up/down)
// A resync serves DHCP and realises the routers first (their ports' taps
// must exist to be plugged), enforces the security groups, then brings
// the devices in line. When the worker ends, so do the DHCP
// servers it runs and the routers' namespaces.

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/network_agent/host_sync.hpp"

namespace stratus::network_agent {

using probe_atom = caf::atom_constant<caf::atom("nlprobe")>;
using resync_atom = caf::atom_constant<caf::atom("nlresync")>;

/// `node` and `dhcp_dir` are for the DHCP servers (see dhcp_service).
caf::behavior kernel_worker(caf::event_based_actor* self, std::string netns_path,
                            host_config config, std::string node, std::string dhcp_dir);

} // namespace stratus::network_agent
