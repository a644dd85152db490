#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace stratus::runtime {

inline std::string random_hex(std::size_t length) {
  static const char digits[] = "0123456789abcdef";
  std::random_device rd;
  std::string s(length, '0');
  for (auto& c : s)
    c = digits[rd() % 16];
  return s;
}

/// A random (version 4) UUID in its usual lower-case form, as OpenStack
/// makes ids. Not a secret: a per-thread generator seeded once keeps it cheap.
inline std::string new_uuid() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static const char digits[] = "0123456789abcdef";
  std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  uint64_t bits = gen();
  int left = 16;
  for (auto& c : s) {
    if (c != 'x' && c != 'y')
      continue;
    if (left == 0) {
      bits = gen();
      left = 16;
    }
    const auto nibble = static_cast<unsigned>(bits & 15);
    c = digits[c == 'y' ? (8 | (nibble & 3)) : nibble];
    bits >>= 4;
    --left;
  }
  return s;
}

/// "req-<uuid4>", the form of OpenStack's x-openstack-request-id.
inline std::string new_request_id() {
  return "req-" + new_uuid();
}

} // namespace stratus::runtime
