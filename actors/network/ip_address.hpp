#pragma once
// IPv4 and IPv6 addresses and networks as IPAM needs them: parsed and
// printed in their usual forms, ordered, stepped one address at a time.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace stratus::network {

struct ip_address {
  int version = 4;                  // 4 or 6
  std::array<uint8_t, 16> bytes{};  // big-endian; IPv4 uses the first 4

  /// "192.0.2.1" or "2001:db8::1"; nothing if it is neither.
  static std::optional<ip_address> parse(const std::string& text);
  std::string str() const;
  /// The next address (wraps around at the end of the family's space).
  ip_address next() const;
  auto operator<=>(const ip_address&) const = default;
};

struct ip_network {
  ip_address base; // the network address (host bits zero)
  int prefix = 0;

  /// "10.0.0.0/24"; nothing if it does not parse. `host_bits_set` tells
  /// whether the text had host bits ("10.0.0.1/24"), which are cleared.
  static std::optional<ip_network> parse(const std::string& text, bool* host_bits_set = nullptr);
  std::string str() const;
  bool contains(const ip_address& a) const;
  bool overlaps(const ip_network& other) const;
  /// The first and last addresses of the network (IPv4: network and broadcast).
  ip_address first() const {
    return base;
  }
  ip_address last() const;
};

} // namespace stratus::network
