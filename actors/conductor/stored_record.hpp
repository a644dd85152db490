#pragma once
// How a record sits in LMDB: an 8-byte big-endian revision, then the value.

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/storage.hpp"

namespace stratus::actors {

inline std::string encode_stored(uint64_t revision, const msg::bytes& value) {
  std::string out(8 + value.size(), '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(revision >> (56 - 8 * i));
  std::copy(value.begin(), value.end(), out.begin() + 8);
  return out;
}

inline uint64_t stored_revision(std::string_view stored) {
  uint64_t r = 0;
  for (std::size_t i = 0; i < 8 && i < stored.size(); ++i)
    r = (r << 8) | static_cast<unsigned char>(stored[i]);
  return r;
}

inline msg::record_entry decode_stored(std::string_view key, std::string_view stored) {
  msg::record_entry e;
  e.key = std::string{key};
  e.revision = stored_revision(stored);
  if (stored.size() > 8)
    e.value.assign(stored.begin() + 8, stored.end());
  return e;
}

} // namespace stratus::actors
