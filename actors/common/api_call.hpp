#pragma once
// One API operation as a role sees it: the routed request, its parsed JSON
// body and what the caller is. Shared by every role that answers the
// gateway's api_call_request.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/context.hpp"

namespace stratus::api_support {

struct api_call {
  const msg::context& ctx;
  const msg::api_call_request& req;
  nlohmann::json body; // parsed request body (null when empty)
  std::string base;    // e.g. ".../identity/v3", for links
  int64_t now = 0;     // Unix seconds

  /// A path parameter ("" if absent).
  std::string path(const std::string& name) const;
  /// A query parameter, if given.
  const std::string* query(const std::string& name) const;
  /// A request header (lower-case name), if given.
  const std::string* header(const std::string& name) const;
  bool caller_is_admin() const;
};

} // namespace stratus::api_support
