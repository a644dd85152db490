// The Networking API v2.0 as routes: https://docs.openstack.org/api-ref/network/v2/
// Operation names are Neutron's policy names (create_network, get_port, …).

#include "actors/gateway/routes.hpp"

#include <algorithm>

namespace stratus::gateway {

api_routes network_routes() {
  api_routes api{"/network", "network-server", {}, false};
  auto add = [&api](const char* method, const std::string& pattern, const std::string& op) {
    api.routes.push_back(make_route(method, "/v2.0" + pattern, op));
  };
  add("GET", "", "get_resources");
  for (const char* kind : {"network", "subnet", "port"}) {
    const std::string k = kind;
    const std::string collection = "/" + k + "s";
    const std::string one = collection + "/{" + k + "_id}";
    add("GET", collection, "get_" + k);
    add("POST", collection, "create_" + k);
    add("GET", one, "get_" + k);
    add("PUT", one, "update_" + k);
    add("DELETE", one, "delete_" + k);
  }
  for (const char* kind : {"security_group", "security_group_rule"}) {
    const std::string k = kind;
    std::string collection = "/" + k + "s";
    std::replace(collection.begin(), collection.end(), '_', '-'); // /security-groups
    const std::string one = collection + "/{" + k + "_id}";
    add("GET", collection, "get_" + k);
    add("POST", collection, "create_" + k);
    add("GET", one, "get_" + k);
    add("DELETE", one, "delete_" + k);
  }
  add("PUT", "/security-groups/{security_group_id}", "update_security_group");
  for (const char* kind : {"router", "floatingip"}) {
    const std::string k = kind;
    const std::string collection = "/" + k + "s";
    const std::string one = collection + "/{" + k + "_id}";
    add("GET", collection, "get_" + k);
    add("POST", collection, "create_" + k);
    add("GET", one, "get_" + k);
    add("PUT", one, "update_" + k);
    add("DELETE", one, "delete_" + k);
  }
  add("PUT", "/routers/{router_id}/add_router_interface", "add_router_interface");
  add("PUT", "/routers/{router_id}/remove_router_interface", "remove_router_interface");
  add("GET", "/subnetpools", "get_subnetpool");
  add("POST", "/subnetpools", "create_subnetpool");
  add("GET", "/subnetpools/{subnetpool_id}", "get_subnetpool");
  add("PUT", "/subnetpools/{subnetpool_id}", "update_subnetpool");
  add("DELETE", "/subnetpools/{subnetpool_id}", "delete_subnetpool");
  add("PUT", "/subnetpools/{subnetpool_id}/add_prefixes", "add_prefixes");
  add("PUT", "/subnetpools/{subnetpool_id}/remove_prefixes", "remove_prefixes");
  add("GET", "/extensions", "get_extension");
  add("GET", "/extensions/{alias}", "get_extension");
  add("GET", "/quotas", "get_quota");
  add("GET", "/quotas/{project_id}", "get_quota");
  add("PUT", "/quotas/{project_id}", "update_quota");
  add("DELETE", "/quotas/{project_id}", "delete_quota");
  add("GET", "/quotas/{project_id}/{view}", "get_quota"); // default, details, details.json
  add("GET", "/agents", "get_agent");
  add("GET", "/agents/{agent_id}", "get_agent");
  // Tags of networks, subnets and ports (standard-attr-tag).
  add("GET", "/{resource}/{resource_id}/tags", "get_tags");
  add("PUT", "/{resource}/{resource_id}/tags", "update_tags");
  add("DELETE", "/{resource}/{resource_id}/tags", "delete_tags");
  add("GET", "/{resource}/{resource_id}/tags/{tag}", "get_tags");
  add("PUT", "/{resource}/{resource_id}/tags/{tag}", "update_tags");
  add("DELETE", "/{resource}/{resource_id}/tags/{tag}", "delete_tags");
  return api;
}

} // namespace stratus::gateway
