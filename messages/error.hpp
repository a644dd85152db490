#pragma once
// The typed error every reply may carry instead of its reply struct.

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/record.hpp"

namespace stratus::msg {

/// Error codes shared by every role; the gateway maps them to HTTP statuses.
enum class errc : uint8_t {
  none = 0,
  not_found = 1,
  conflict = 2,
  forbidden = 3,
  unauthorized = 4,
  invalid = 5,
  over_quota = 6,
  unavailable = 7,
  timeout = 8,
  internal = 9,
};

/// Stable lower-case name of a code ("not_found"); "unknown" outside the enum.
std::string_view to_string(errc code);

/// A typed error: a code and a message meant for humans.
struct error {
  STRATUS_MESSAGE("error", 1, 1) // 1: initial
  errc code = errc::none;
  std::string message;
  STRATUS_FIELDS(code, message)
};

} // namespace stratus::msg
