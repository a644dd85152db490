#pragma once
// What the Networking API unit tests share: one call made as the gateway
// makes it (an operation, a body, path and query values, a caller), and
// the JSON of a reply.

#include <string>

#include "actors/network/network_api.hpp"

namespace stratus::network::test {

inline api_result call(network_api& api, int64_t now, const std::string& operation,
                       const json& body, msg::named_values path, msg::named_values query,
                       bool admin, const std::string& project) {
  msg::context ctx;
  ctx.request_id = "req-test";
  ctx.caller.project_id = project;
  ctx.caller.roles = {admin ? "admin" : "member"};
  msg::api_call_request req;
  req.operation = operation;
  req.body = body.is_null() ? "" : body.dump();
  req.path = std::move(path);
  req.query = std::move(query);
  return api.handle(ctx, req, now);
}

inline json body_of(const api_result& r) {
  return r.reply.body.empty() ? json() : json::parse(r.reply.body);
}

} // namespace stratus::network::test
