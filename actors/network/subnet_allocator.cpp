#include "actors/network/subnet_allocator.hpp"

#include <algorithm>
#include <cmath>

namespace stratus::network {
namespace {

bool bit_of(const ip_address& a, int bit) {
  return (a.bytes[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1u;
}

ip_address with_bit(ip_address a, int bit, bool value) {
  auto& byte = a.bytes[static_cast<std::size_t>(bit / 8)];
  const auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
  byte = value ? static_cast<uint8_t>(byte | mask) : static_cast<uint8_t>(byte & ~mask);
  return a;
}

/// The two halves of `n` (one bit longer); `n` must not be a single address.
std::pair<ip_network, ip_network> halves(const ip_network& n) {
  return {{n.base, n.prefix + 1}, {with_bit(n.base, n.prefix, true), n.prefix + 1}};
}

/// Whether `a` then `b` are the two halves of one network.
bool siblings(const ip_network& a, const ip_network& b) {
  return a.prefix == b.prefix && a.prefix > 0 && !bit_of(a.base, a.prefix - 1) &&
         with_bit(a.base, a.prefix - 1, true) == b.base;
}

bool network_order(const ip_network& a, const ip_network& b) {
  return a.base != b.base ? a.base < b.base : a.prefix < b.prefix;
}

/// What is left of `block` with `taken` out, appended to `out` (unsorted).
void carve_out(const ip_network& block, const std::vector<ip_network>& taken,
               std::vector<ip_network>& out) {
  bool split = false;
  for (auto& t : taken) {
    if (!t.overlaps(block))
      continue;
    if (t.prefix <= block.prefix)
      return; // all of it is taken
    split = true;
  }
  if (!split) {
    out.push_back(block);
    return;
  }
  auto [low, high] = halves(block);
  carve_out(low, taken, out);
  carve_out(high, taken, out);
}

} // namespace

std::vector<ip_network> compact_networks(std::vector<ip_network> networks) {
  std::sort(networks.begin(), networks.end(), network_order);
  std::vector<ip_network> out;
  for (auto& n : networks) {
    if (!out.empty() && out.back().base.version == n.base.version && out.back().contains(n.base))
      continue; // inside the previous one (sorted: a container comes first)
    out.push_back(n);
    while (out.size() >= 2 && siblings(out[out.size() - 2], out.back())) {
      const ip_network parent{out[out.size() - 2].base, out.back().prefix - 1};
      out.pop_back();
      out.back() = parent;
    }
  }
  return out;
}

std::vector<ip_network> subtract_networks(const std::vector<ip_network>& from,
                                          const std::vector<ip_network>& taken) {
  std::vector<ip_network> out;
  for (auto& block : compact_networks(from))
    carve_out(block, taken, out);
  return compact_networks(std::move(out));
}

bool covers(const std::vector<ip_network>& outer, const std::vector<ip_network>& inner) {
  return subtract_networks(inner, outer).empty();
}

bool disjoint(const std::vector<ip_network>& a, const std::vector<ip_network>& b) {
  return std::none_of(a.begin(), a.end(), [&](const ip_network& x) {
    return std::any_of(b.begin(), b.end(), [&](const ip_network& y) { return x.overlaps(y); });
  });
}

std::optional<ip_network> carve_subnet(const std::vector<ip_network>& available, int prefixlen) {
  // Smallest blocks first, in address order among equals (Neutron sorts
  // the IPSet's CIDRs by prefix length, longest first, stably).
  std::vector<ip_network> blocks = available;
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const ip_network& a, const ip_network& b) { return a.prefix > b.prefix; });
  for (auto& b : blocks)
    if (prefixlen >= b.prefix)
      return ip_network{b.base, prefixlen};
  return std::nullopt;
}

bool fits_in(const std::vector<ip_network>& available, const ip_network& wanted) {
  return std::any_of(available.begin(), available.end(), [&](const ip_network& b) {
    return b.prefix <= wanted.prefix && b.contains(wanted.base);
  });
}

double prefix_units(int prefixlen, int unit_prefixlen) {
  return std::pow(2.0, unit_prefixlen - prefixlen);
}

} // namespace stratus::network
