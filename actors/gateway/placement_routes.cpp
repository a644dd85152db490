// The Placement API as routes: https://docs.openstack.org/api-ref/placement/
// Operation names are Placement's policy names.

#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

api_routes placement_routes() {
  api_routes api{"/placement", "placement", {}, false};
  auto add = [&api](const char* method, const std::string& pattern, const std::string& op) {
    api.routes.push_back(make_route(method, pattern, "placement:" + op));
  };
  const std::string rp = "/resource_providers/{uuid}";
  add("GET", "/resource_providers", "resource_providers:list");
  add("POST", "/resource_providers", "resource_providers:create");
  add("GET", rp, "resource_providers:show");
  add("PUT", rp, "resource_providers:update");
  add("DELETE", rp, "resource_providers:delete");
  const std::string inv = rp + "/inventories";
  add("GET", inv, "resource_providers:inventories:list");
  add("POST", inv, "resource_providers:inventories:create");
  add("PUT", inv, "resource_providers:inventories:update");
  add("DELETE", inv, "resource_providers:inventories:delete");
  add("GET", inv + "/{resource_class}", "resource_providers:inventories:show");
  add("PUT", inv + "/{resource_class}", "resource_providers:inventories:update");
  add("DELETE", inv + "/{resource_class}", "resource_providers:inventories:delete");
  add("GET", rp + "/usages", "resource_providers:usages");
  add("GET", rp + "/allocations", "resource_providers:allocations:list");
  add("GET", rp + "/traits", "resource_providers:traits:list");
  add("PUT", rp + "/traits", "resource_providers:traits:update");
  add("DELETE", rp + "/traits", "resource_providers:traits:delete");
  add("GET", rp + "/aggregates", "resource_providers:aggregates:list");
  add("PUT", rp + "/aggregates", "resource_providers:aggregates:update");
  add("POST", "/allocations", "allocations:manage");
  add("GET", "/allocations/{consumer_uuid}", "allocations:list");
  add("PUT", "/allocations/{consumer_uuid}", "allocations:update");
  add("DELETE", "/allocations/{consumer_uuid}", "allocations:delete");
  add("GET", "/usages", "usages");
  add("GET", "/allocation_candidates", "allocation_candidates:list");
  add("GET", "/resource_classes", "resource_classes:list");
  add("POST", "/resource_classes", "resource_classes:create");
  add("GET", "/resource_classes/{name}", "resource_classes:show");
  add("PUT", "/resource_classes/{name}", "resource_classes:update");
  add("DELETE", "/resource_classes/{name}", "resource_classes:delete");
  add("GET", "/traits", "traits:list");
  add("GET", "/traits/{name}", "traits:show");
  add("PUT", "/traits/{name}", "traits:update");
  add("DELETE", "/traits/{name}", "traits:delete");
  return api;
}

} // namespace stratus::gateway
