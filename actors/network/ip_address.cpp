#include "actors/network/ip_address.hpp"

#include <arpa/inet.h>

namespace stratus::network {
namespace {

int width(int version) {
  return version == 4 ? 32 : 128;
}

/// Sets (value true) or clears every bit from `prefix` on.
ip_address with_host_bits(ip_address a, int prefix, bool value) {
  const int bits = width(a.version);
  for (int bit = prefix; bit < bits; ++bit) {
    auto& byte = a.bytes[static_cast<std::size_t>(bit / 8)];
    const auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    byte = value ? static_cast<uint8_t>(byte | mask) : static_cast<uint8_t>(byte & ~mask);
  }
  return a;
}

} // namespace

std::optional<ip_address> ip_address::parse(const std::string& text) {
  ip_address a;
  if (text.find(':') == std::string::npos) {
    a.version = 4;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1)
      return a;
    return std::nullopt;
  }
  a.version = 6;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1)
    return a;
  return std::nullopt;
}

std::string ip_address::str() const {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out);
  return out;
}

ip_address ip_address::next() const {
  ip_address n = *this;
  for (int i = version == 4 ? 3 : 15; i >= 0; --i)
    if (++n.bytes[static_cast<std::size_t>(i)] != 0)
      break;
  return n;
}

std::optional<ip_network> ip_network::parse(const std::string& text, bool* host_bits_set) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 >= text.size() || text.size() - slash > 4)
    return std::nullopt;
  const auto digits = text.substr(slash + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto a = ip_address::parse(text.substr(0, slash));
  if (!a)
    return std::nullopt;
  const int prefix = std::stoi(digits);
  if (prefix > width(a->version))
    return std::nullopt;
  ip_network n{with_host_bits(*a, prefix, false), prefix};
  if (host_bits_set)
    *host_bits_set = n.base != *a;
  return n;
}

std::string ip_network::str() const {
  return base.str() + "/" + std::to_string(prefix);
}

bool ip_network::contains(const ip_address& a) const {
  return a.version == base.version && with_host_bits(a, prefix, false) == base;
}

bool ip_network::overlaps(const ip_network& other) const {
  return contains(other.base) || other.contains(base);
}

ip_address ip_network::last() const {
  return with_host_bits(base, prefix, true);
}

} // namespace stratus::network
