#include "actors/gateway/api_surface.hpp"

#include <nlohmann/json.hpp>

namespace stratus::gateway {
namespace {

using nlohmann::json;

json self_link(const std::string& href) {
  return json::array({{{"rel", "self"}, {"href", href}}});
}

http_response document(uint16_t status, const json& body) {
  http_response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

bool is_root(const std::string& path) {
  return path.empty() || path == "/";
}

bool is(const std::string& path, const std::string& version) {
  return path == version || path == version + "/";
}

} // namespace

std::vector<api_surface> all_apis() {
  std::vector<api_surface> out;
  out.push_back({api_kind::identity, error_style::keystone, identity_routes()});
  out.push_back({api_kind::image, error_style::glance, image_routes()});
  out.push_back({api_kind::compute, error_style::nova, compute_routes()});
  out.push_back({api_kind::network, error_style::neutron, network_routes()});
  out.push_back({api_kind::placement, error_style::placement, placement_routes()});
  return out;
}

std::optional<http_response> version_document(const api_surface& api, const std::string& path,
                                              const std::string& base) {
  const std::string root = base + api.routes.prefix;
  switch (api.kind) {
  case api_kind::identity: {
    // https://docs.openstack.org/api-ref/identity/v3/#version-information
    const json v3{
        {"id", "v3.14"},
        {"status", "stable"},
        {"updated", "2020-04-07T00:00:00Z"},
        {"links", self_link(root + "/v3/")},
        {"media-types", json::array({{{"base", "application/json"},
                                      {"type", "application/vnd.openstack.identity-v3+json"}}})}};
    if (is_root(path))
      return document(300, {{"versions", {{"values", json::array({v3})}}}});
    if (is(path, "/v3"))
      return document(200, {{"version", v3}});
    return std::nullopt;
  }
  case api_kind::image: {
    const json v2{{"id", "v2.16"}, {"status", "CURRENT"}, {"links", self_link(root + "/v2/")}};
    if (is_root(path) || is(path, "/versions"))
      return document(is_root(path) ? 300 : 200, {{"versions", json::array({v2})}});
    return std::nullopt;
  }
  case api_kind::compute: {
    const json v21{{"id", "v2.1"},
                   {"status", "CURRENT"},
                   {"version", "2.79"},
                   {"min_version", "2.1"},
                   {"updated", "2013-07-23T11:33:21Z"},
                   {"links", self_link(root + "/v2.1/")}};
    if (is_root(path))
      return document(200, {{"versions", json::array({v21})}});
    if (is(path, "/v2.1"))
      return document(200, {{"version", v21}});
    return std::nullopt;
  }
  case api_kind::network: {
    // https://docs.openstack.org/api-ref/network/v2/#list-api-versions
    const json v20{{"id", "v2.0"}, {"status", "CURRENT"}, {"links", self_link(root + "/v2.0/")}};
    if (is_root(path))
      return document(200, {{"versions", json::array({v20})}});
    return std::nullopt;
  }
  case api_kind::placement: {
    const json v1{{"id", "v1.0"},
                  {"status", "CURRENT"},
                  {"min_version", "1.0"},
                  {"max_version", "1.39"},
                  {"links", self_link(root + "/")}};
    if (is_root(path))
      return document(200, {{"versions", json::array({v1})}});
    return std::nullopt;
  }
  }
  return std::nullopt;
}

} // namespace stratus::gateway
