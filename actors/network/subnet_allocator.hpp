#pragma once
// Sets of CIDRs as subnet pools need them: a pool's prefixes merged into
// the fewest CIDRs, what is left of them once its subnets are taken out,
// and a subnet carved from what is left — Neutron's SubnetAllocator
// (neutron/ipam/subnet_alloc.py) over netaddr's IPSet, without netaddr.
// All the networks of one set are of one IP version.

#include <optional>
#include <vector>

#include "actors/network/ip_address.hpp"

namespace stratus::network {

/// The same addresses as `networks` in the fewest CIDRs, in address
/// order: contained ones dropped, sibling halves merged (IPSet.compact).
std::vector<ip_network> compact_networks(std::vector<ip_network> networks);

/// The addresses of `from` not in any of `taken`, as compacted CIDRs.
std::vector<ip_network> subtract_networks(const std::vector<ip_network>& from,
                                          const std::vector<ip_network>& taken);

/// Whether every address of `inner` is in `outer` (both any CIDR lists).
bool covers(const std::vector<ip_network>& outer, const std::vector<ip_network>& inner);

/// Whether no address is in both lists.
bool disjoint(const std::vector<ip_network>& a, const std::vector<ip_network>& b);

/// A subnet of `prefixlen` from the free blocks `available`: the first one
/// of the smallest block that holds it (Neutron's choice, which keeps big
/// blocks whole); nothing if no block is big enough.
std::optional<ip_network> carve_subnet(const std::vector<ip_network>& available, int prefixlen);

/// Whether `wanted` lies wholly inside one of the free blocks `available`.
bool fits_in(const std::vector<ip_network>& available, const ip_network& wanted);

/// How many addresses `prefixlen` holds in units of /`unit_prefixlen`
/// (subnet pool quotas count IPv4 in /32s, IPv6 in /64s).
double prefix_units(int prefixlen, int unit_prefixlen);

} // namespace stratus::network
