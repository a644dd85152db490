#pragma once
// The APIs the gateway serves, each under its path prefix: which role
// implements it, its routes, its error format, and the version documents
// clients read to discover it.

#include <optional>
#include <string>
#include <vector>

#include "actors/gateway/api_errors.hpp"
#include "actors/gateway/http_server.hpp"
#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

enum class api_kind { identity, image, compute, network, placement };

struct api_surface {
  api_kind kind;
  error_style errors;
  api_routes routes; // prefix, role, routes (none yet for APIs still to come)
};

/// Every API, identity first.
std::vector<api_surface> all_apis();

/// The version document answering `path` (relative to the API's prefix:
/// "" or "/" for the root, "/v3" and the like for one version), if it is one.
/// `base` is the gateway's URL as clients reach it.
std::optional<http_response> version_document(const api_surface& api, const std::string& path,
                                              const std::string& base);

} // namespace stratus::gateway
