#pragma once
// The network-server role (Neutron's server with ML2): networks, subnets
// and ports, segment allocation by the type drivers, IPAM, port binding
// by the Linux bridge mechanism driver.
//
// Interface (requests carry a msg::context first):
//   api_call_request -> api_call_reply (Neutron's operations: create_network, …)
//
// Everything is answered from memory; changes are written through the
// conductor (table "network") before the reply goes out — segments and
// addresses with create-only guard records, so the database refuses a
// second taker — and the model is rebuilt from that table at start.

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "network-server". Settings (ml2_conf.ini's names):
/// conductor, tenant_network_type ("vxlan"), vni_ranges ("1:1000"),
/// gre_ranges ("1:1000"), network_vlan_ranges ("physnet1:1000:1999"),
/// flat_networks ("*"), global_physnet_mtu (1500), agent_down_time (75).
caf::actor spawn_network_server(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
