#pragma once
// Random lower-case hex identifiers (node incarnations, routing ids).

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

} // namespace stratus::runtime
