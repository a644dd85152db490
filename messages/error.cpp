#include "messages/error.hpp"

namespace stratus::msg {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::forbidden: return "forbidden";
    case errc::unauthorized: return "unauthorized";
    case errc::invalid: return "invalid";
    case errc::over_quota: return "over_quota";
    case errc::unavailable: return "unavailable";
    case errc::timeout: return "timeout";
    case errc::internal: return "internal";
  }
  return "unknown";
}

} // namespace stratus::msg
