#include "actors/common/api_call.hpp"

#include <algorithm>

namespace stratus::api_support {

std::string api_call::path(const std::string& name) const {
  auto v = msg::find_value(req.path, name);
  return v ? *v : std::string{};
}

const std::string* api_call::query(const std::string& name) const {
  return msg::find_value(req.query, name);
}

const std::string* api_call::header(const std::string& name) const {
  return msg::find_value(req.headers, name);
}

bool api_call::caller_is_admin() const {
  auto& roles = ctx.caller.roles;
  return std::find(roles.begin(), roles.end(), "admin") != roles.end();
}

} // namespace stratus::api_support
