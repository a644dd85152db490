#pragma once
// API operations as the gateway would hand them to a role, for tests that
// talk to roles directly.

#include <chrono>
#include <string>

#include "messages/api.hpp"
#include "runtime/call.hpp"

namespace stratus::test {

inline msg::api_call_request operation(std::string name, std::string body = "",
                                       msg::named_values path = {}) {
  msg::api_call_request r;
  r.operation = std::move(name);
  r.body = std::move(body);
  r.path = std::move(path);
  r.base_url = "http://test";
  return r;
}

/// A caller with `roles` in `project`, as a validated token gives it.
inline msg::context caller(std::string user, std::string project, std::vector<std::string> roles) {
  auto ctx = runtime::context_with_deadline(std::chrono::seconds(10));
  ctx.caller.user_id = std::move(user);
  ctx.caller.project_id = std::move(project);
  ctx.caller.roles = std::move(roles);
  return ctx;
}

} // namespace stratus::test
