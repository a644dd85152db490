// The Compute API (v2.1) as routes: https://docs.openstack.org/api-ref/compute/
// Operation names are Nova's policy names.

#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

api_routes compute_routes() {
  api_routes api{"/compute", "compute-api", {}, false};
  auto add = [&api](const char* method, const std::string& pattern, const std::string& op) {
    api.routes.push_back(make_route(method, "/v2.1" + pattern, "os_compute_api:" + op));
  };
  const std::string server = "/servers/{server_id}";
  add("GET", "/servers", "servers:index");
  add("GET", "/servers/detail", "servers:detail");
  add("POST", "/servers", "servers:create");
  add("GET", server, "servers:show");
  add("PUT", server, "servers:update");
  add("DELETE", server, "servers:delete");
  add("POST", server + "/action", "servers:action");
  add("GET", server + "/metadata", "server-metadata:index");
  add("POST", server + "/metadata", "server-metadata:create");
  add("PUT", server + "/metadata", "server-metadata:update_all");
  add("GET", server + "/metadata/{key}", "server-metadata:show");
  add("PUT", server + "/metadata/{key}", "server-metadata:update");
  add("DELETE", server + "/metadata/{key}", "server-metadata:delete");
  add("GET", server + "/ips", "ips:index");
  add("POST", server + "/remote-consoles", "os-remote-consoles");
  add("GET", server + "/os-interface", "os-attach-interfaces:list");
  add("POST", server + "/os-interface", "os-attach-interfaces:create");
  add("GET", server + "/os-interface/{port_id}", "os-attach-interfaces:show");
  add("DELETE", server + "/os-interface/{port_id}", "os-attach-interfaces:delete");
  add("GET", server + "/os-instance-actions", "os-instance-actions:list");
  add("GET", server + "/os-instance-actions/{request_id}", "os-instance-actions:show");
  add("GET", server + "/os-security-groups", "os-security-groups:list");
  // Nova's security-group proxy to the Networking API (up to 2.35).
  const std::string group = "/os-security-groups/{security_group_id}";
  add("GET", "/os-security-groups", "os-security-groups:get");
  add("POST", "/os-security-groups", "os-security-groups:create");
  add("GET", group, "os-security-groups:show");
  add("PUT", group, "os-security-groups:update");
  add("DELETE", group, "os-security-groups:delete");
  add("POST", "/os-security-group-rules", "os-security-groups:rule:create");
  add("DELETE", "/os-security-group-rules/{security_group_rule_id}", "os-security-groups:rule:delete");
  const std::string flavor = "/flavors/{flavor_id}";
  add("GET", "/flavors", "flavors:index");
  add("GET", "/flavors/detail", "flavors:detail");
  add("POST", "/flavors", "os-flavor-manage:create");
  add("GET", flavor, "flavors:show");
  add("PUT", flavor, "os-flavor-manage:update");
  add("DELETE", flavor, "os-flavor-manage:delete");
  add("POST", flavor + "/action", "os-flavor-manage:action");
  add("GET", flavor + "/os-flavor-access", "os-flavor-access");
  add("GET", flavor + "/os-extra_specs", "os-flavor-extra-specs:index");
  add("POST", flavor + "/os-extra_specs", "os-flavor-extra-specs:create");
  add("GET", flavor + "/os-extra_specs/{key}", "os-flavor-extra-specs:show");
  add("PUT", flavor + "/os-extra_specs/{key}", "os-flavor-extra-specs:update");
  add("DELETE", flavor + "/os-extra_specs/{key}", "os-flavor-extra-specs:delete");
  add("GET", "/os-keypairs", "os-keypairs:index");
  add("POST", "/os-keypairs", "os-keypairs:create");
  add("GET", "/os-keypairs/{keypair_name}", "os-keypairs:show");
  add("DELETE", "/os-keypairs/{keypair_name}", "os-keypairs:delete");
  add("GET", "/os-server-groups", "os-server-groups:index");
  add("POST", "/os-server-groups", "os-server-groups:create");
  add("GET", "/os-server-groups/{server_group_id}", "os-server-groups:show");
  add("DELETE", "/os-server-groups/{server_group_id}", "os-server-groups:delete");
  add("GET", "/os-quota-sets/{project_id}", "os-quota-sets:show");
  add("PUT", "/os-quota-sets/{project_id}", "os-quota-sets:update");
  add("DELETE", "/os-quota-sets/{project_id}", "os-quota-sets:delete");
  add("GET", "/os-quota-sets/{project_id}/defaults", "os-quota-sets:defaults");
  add("GET", "/os-quota-sets/{project_id}/detail", "os-quota-sets:detail");
  add("GET", "/limits", "limits");
  add("GET", "/os-hypervisors", "os-hypervisors:list");
  add("GET", "/os-hypervisors/detail", "os-hypervisors:list-detail");
  add("GET", "/os-hypervisors/statistics", "os-hypervisors:statistics");
  add("GET", "/os-hypervisors/{hypervisor_id}", "os-hypervisors:show");
  add("GET", "/os-hypervisors/{hypervisor_id}/uptime", "os-hypervisors:uptime");
  add("GET", "/os-hypervisors/{hypervisor_id}/search", "os-hypervisors:search");
  add("GET", "/os-hypervisors/{hypervisor_id}/servers", "os-hypervisors:servers");
  add("GET", "/os-services", "os-services:list");
  add("PUT", "/os-services/{service_id}", "os-services:update");
  add("GET", "/os-availability-zone", "os-availability-zone:list");
  add("GET", "/os-availability-zone/detail", "os-availability-zone:detail");
  return api;
}

} // namespace stratus::gateway
