#pragma once
// Percent-decoding of URL parts (RFC 3986), shared by the gateway and the
// console proxies: "%2F" → "/"; a '%' not followed by two hex digits stays
// as it is; in query strings '+' may stand for a space.

#include <string>
#include <string_view>

namespace stratus::api_support {

inline std::string percent_decode(std::string_view text, bool plus_is_space = false) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

} // namespace stratus::api_support
