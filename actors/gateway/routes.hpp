#pragma once
// The gateway's route table: for each API, which (method, path pattern)
// is which operation. The operation name is also the policy rule that
// guards it ("identity:get_project"), as in OpenStack's policy files.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/api.hpp"

namespace stratus::gateway {

struct route {
  std::string method;    // "GET", "POST", …; GET routes also answer HEAD
  std::string pattern;   // "/v3/projects/{project_id}"
  std::string operation; // "identity:get_project"
  bool needs_token = true;
  std::vector<std::string> parts; // the pattern split at '/', filled by make_route
  /// The request body's media types when it is not JSON (none = JSON):
  /// Glance's JSON patch, say, whose body must still parse as JSON.
  std::vector<std::string> body_types;
  /// The body streams to the role (api_stream_*) instead of being read whole.
  bool streams_body = false;
};

route make_route(std::string method, std::string pattern, std::string operation,
                 bool needs_token = true);

/// One API under its path prefix, e.g. "/identity" served by "identity".
struct api_routes {
  std::string prefix; // "/identity"
  std::string role;   // the role that implements the operations
  std::vector<route> routes;
  /// Whether a trailing slash counts: Keystone lists /v3/projects/ as it
  /// lists /v3/projects; for Glance /v2/images/ names an image with an
  /// empty id (404).
  bool strict_slashes = false;
};

struct route_match {
  const route* matched = nullptr;   // null: no route for this method
  std::vector<std::string> allowed; // methods the path has (for 405)
  msg::named_values path;           // {project_id} → value, decoded
};

/// Finds the route for `method` and `path` (relative to the API prefix).
/// A path no route has gives an empty `allowed`.
route_match match_route(const api_routes& api, const std::string& method, const std::string& path);

/// The Keystone v3 routes (https://docs.openstack.org/api-ref/identity/v3/).
api_routes identity_routes();
/// The Glance v2 routes (https://docs.openstack.org/api-ref/image/v2/).
api_routes image_routes();
/// The Nova v2.1 routes (https://docs.openstack.org/api-ref/compute/).
api_routes compute_routes();
/// The Neutron v2.0 routes (https://docs.openstack.org/api-ref/network/v2/).
api_routes network_routes();
/// The Placement routes (https://docs.openstack.org/api-ref/placement/).
api_routes placement_routes();

} // namespace stratus::gateway
