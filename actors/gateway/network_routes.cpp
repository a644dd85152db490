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
  // The routes of each resource: /<kinds> and /<kinds>/{<kind>_id}
  // ("_" becomes "-" in the path: /security-groups).
  auto resource = [&add](const std::string& kind, bool updatable) {
    std::string collection = "/" + kind + "s";
    std::replace(collection.begin(), collection.end(), '_', '-');
    const std::string one = collection + "/{" + kind + "_id}";
    add("GET", collection, "get_" + kind);
    add("POST", collection, "create_" + kind);
    add("GET", one, "get_" + kind);
    if (updatable)
      add("PUT", one, "update_" + kind);
    add("DELETE", one, "delete_" + kind);
  };
  for (const char* kind : {"network", "subnet", "port", "security_group", "router", "floatingip",
                           "subnetpool"})
    resource(kind, true);
  resource("security_group_rule", false); // rules are never updated
  add("PUT", "/routers/{router_id}/add_router_interface", "add_router_interface");
  add("PUT", "/routers/{router_id}/remove_router_interface", "remove_router_interface");
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
