#pragma once
// The network-agent role, one per compute node (Neutron's Linux bridge
// agent with l2population): it reports its host to the network-server,
// and every resync interval fetches the ports bound to its host, brings
// the kernel's devices in line (host_sync) — repairing drift, removing
// what no port needs — and reports ports ACTIVE once their tap is in
// their network's bridge. Netlink work runs on a thread of its own inside
// the host's network namespace.
//
// Interface: none (it only asks the network-server).

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "network-agent". Settings: network-server, host_netns
/// (a /run/netns path; empty = the node's own namespace), tunnel_ip,
/// underlay_device, bridge_mappings ("physnet1:eth1,…"), resync_interval_ms
/// (1000), report_interval (10 s).
caf::actor spawn_network_agent(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
