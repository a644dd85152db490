#pragma once
// A router's NAT as an nftables table in its namespace, as Neutron's L3
// agent writes it with iptables: per floating IP a DNAT of the floating
// address to the fixed one and an SNAT of the fixed address to the
// floating one on the way out through the gateway leg (qg-); then, with
// `enable_snat`, an SNAT of everything else leaving through qg- to the
// gateway's own address. Replies follow conntrack; traffic between the
// router's internal networks is never translated (it does not leave
// through qg-).

#include <nlohmann/json.hpp>

#include "drivers/nftables/nft_table.hpp"

namespace stratus::network_agent {

/// The table for one router of get_host_ports_reply.routers
/// (network_api::host_routers). IPv4 only, as Neutron's floating IPs.
nftables::nft_table router_nat_table(const nlohmann::json& router);

} // namespace stratus::network_agent
