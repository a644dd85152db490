#pragma once
// Wall-clock time as OpenStack APIs and tokens count it.

#include <chrono>
#include <cstdint>

namespace stratus::runtime {

/// Seconds since the Unix epoch.
inline int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace stratus::runtime
