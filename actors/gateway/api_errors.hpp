#pragma once
// Error responses in each OpenStack API's own format, and the HTTP status
// of each typed error code.

#include <cstdint>
#include <string>

#include "actors/gateway/http_server.hpp"
#include "messages/error.hpp"

namespace stratus::gateway {

/// The error body conventions of the APIs.
enum class error_style {
  keystone,  // {"error": {"code", "title", "message"}}
  glance,    // {"code", "title", "message"} (webob's JSON)
  nova,      // {"itemNotFound": {"code", "message"}}
  neutron,   // {"NeutronError": {"type", "message", "detail"}}
  placement, // {"errors": [{"status", "title", "detail", "request_id"}]}
};

uint16_t status_of(msg::errc code);

http_response error_response(error_style style, uint16_t status, const std::string& message,
                             const std::string& request_id);

} // namespace stratus::gateway
