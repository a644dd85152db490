#include "actors/gateway/api_errors.hpp"

#include <nlohmann/json.hpp>

namespace stratus::gateway {
namespace {

/// Nova's fault names (nova/api/openstack/wsgi.py, Fault._fault_names).
const char* nova_fault(uint16_t status) {
  switch (status) {
  case 400:
    return "badRequest";
  case 401:
    return "unauthorized";
  case 403:
    return "forbidden";
  case 404:
    return "itemNotFound";
  case 405:
    return "badMethod";
  case 409:
    return "conflictingRequest";
  case 413:
    return "overLimit";
  case 415:
    return "badMediaType";
  case 501:
    return "notImplemented";
  case 503:
    return "serviceUnavailable";
  default:
    return "computeFault";
  }
}

/// webob's exception class names, which Neutron puts in "type".
std::string webob_name(uint16_t status) {
  std::string reason = status_reason(status);
  std::string out = "HTTP";
  for (char c : reason)
    if (c != ' ')
      out += c;
  return out;
}

} // namespace

uint16_t status_of(msg::errc code) {
  switch (code) {
  case msg::errc::none:
    return 200;
  case msg::errc::not_found:
    return 404;
  case msg::errc::conflict:
    return 409;
  case msg::errc::forbidden:
    return 403;
  case msg::errc::unauthorized:
    return 401;
  case msg::errc::invalid:
    return 400;
  case msg::errc::over_quota:
    return 413;
  case msg::errc::unavailable:
    return 503;
  case msg::errc::timeout:
    return 504;
  case msg::errc::internal:
    return 500;
  }
  return 500;
}

http_response error_response(error_style style, uint16_t status, const std::string& message,
                             const std::string& request_id) {
  using nlohmann::json;
  const std::string title = status_reason(status);
  json body;
  switch (style) {
  case error_style::keystone:
    body = {{"error", {{"code", status}, {"title", title}, {"message", message}}}};
    break;
  case error_style::glance:
    body = {{"code", status}, {"title", title}, {"message", message}};
    break;
  case error_style::nova:
    body = {{nova_fault(status), {{"code", status}, {"message", message}}}};
    break;
  case error_style::neutron:
    body = {{"NeutronError", {{"type", webob_name(status)}, {"message", message}, {"detail", ""}}}};
    break;
  case error_style::placement:
    body = {{"errors", json::array({{{"status", status},
                                     {"title", title},
                                     {"detail", message},
                                     {"request_id", request_id}}})}};
    break;
  }
  http_response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

} // namespace stratus::gateway
