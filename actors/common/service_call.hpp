#pragma once
// How a service calls another role's API operation, as Nova's services call
// Placement's REST API with their service user: the same api_call_request
// the gateway sends, under a context that carries the admin and service
// roles, with a JSON body and a JSON answer.

#include <chrono>
#include <functional>
#include <string>

#include <caf/fwd.hpp>
#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/error.hpp"

namespace stratus::api_support {

/// What came back: the HTTP status and the parsed body (null if empty or
/// not JSON). A role that could not be reached answers 503.
struct service_answer {
  uint16_t status = 0;
  nlohmann::json body;
  bool ok() const {
    return status >= 200 && status < 300;
  }
  /// The first error detail of a Placement, Nova or Keystone error body.
  std::string error_text() const;
};

struct service_request {
  std::string operation; // "placement:allocations:update"
  msg::named_values path;
  msg::named_values query;
  nlohmann::json body; // null = none
  std::string version; // the OpenStack-API-Version header, e.g. "placement 1.39"
};

constexpr auto service_timeout = std::chrono::seconds(30);

/// Sends `req` to `role` (invalid = unreachable) and hands the answer to `done`.
void service_call(caf::event_based_actor* self, const caf::actor& role, service_request req,
                  std::function<void(service_answer)> done);

} // namespace stratus::api_support
