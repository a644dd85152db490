// The Keystone v3 API as routes: https://docs.openstack.org/api-ref/identity/v3/
// Operation names are Keystone's policy names.

#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

api_routes identity_routes() {
  api_routes api{"/identity", "identity", {}};
  auto add = [&api](const char* method, std::string pattern, std::string op, bool token = true) {
    api.routes.push_back(make_route(method, "/v3" + pattern, "identity:" + op, token));
  };
  // The plain resources: list, create, show, update, delete.
  struct plain {
    const char* collection;
    const char* singular;
  };
  for (auto [collection, singular] :
       {plain{"domains", "domain"}, plain{"projects", "project"}, plain{"users", "user"},
        plain{"groups", "group"}, plain{"roles", "role"}, plain{"regions", "region"},
        plain{"services", "service"}, plain{"endpoints", "endpoint"},
        plain{"credentials", "credential"}, plain{"policies", "policy"}}) {
    const std::string c = std::string{"/"} + collection;
    const std::string item = c + "/{" + singular + "_id}";
    add("GET", c, std::string{"list_"} + collection);
    add("POST", c, std::string{"create_"} + singular);
    add("GET", item, std::string{"get_"} + singular);
    add("PATCH", item, std::string{"update_"} + singular);
    add("DELETE", item, std::string{"delete_"} + singular);
  }

  // A region with the id the client chose.
  add("PUT", "/regions/{region_id}", "create_region");

  // Project tags.
  add("GET", "/projects/{project_id}/tags", "get_project_tags");
  add("PUT", "/projects/{project_id}/tags", "update_project_tags");
  add("DELETE", "/projects/{project_id}/tags", "delete_project_tags");
  add("GET", "/projects/{project_id}/tags/{tag}", "get_project_tag");
  add("PUT", "/projects/{project_id}/tags/{tag}", "create_project_tag");
  add("DELETE", "/projects/{project_id}/tags/{tag}", "delete_project_tag");

  // Tokens and what a token may see.
  add("POST", "/auth/tokens", "issue_token", false);
  add("GET", "/auth/tokens", "validate_token");
  add("HEAD", "/auth/tokens", "check_token");
  add("DELETE", "/auth/tokens", "revoke_token");
  add("GET", "/auth/catalog", "get_auth_catalog");
  add("GET", "/auth/projects", "get_auth_projects");
  add("GET", "/auth/domains", "get_auth_domains");
  add("GET", "/auth/system", "get_auth_system");

  // Users' relationships and passwords.
  add("POST", "/users/{user_id}/password", "change_password");
  add("GET", "/users/{user_id}/projects", "list_user_projects");
  add("GET", "/users/{user_id}/groups", "list_groups_for_user");
  add("GET", "/groups/{group_id}/users", "list_users_in_group");
  add("PUT", "/groups/{group_id}/users/{user_id}", "add_user_to_group");
  add("HEAD", "/groups/{group_id}/users/{user_id}", "check_user_in_group");
  add("GET", "/groups/{group_id}/users/{user_id}", "check_user_in_group");
  add("DELETE", "/groups/{group_id}/users/{user_id}", "remove_user_from_group");

  // Grants on projects and domains, to users and groups.
  for (const char* target : {"projects/{project_id}", "domains/{domain_id}"})
    for (const char* actor : {"users/{user_id}", "groups/{group_id}"}) {
      const std::string base = std::string{"/"} + target + "/" + actor + "/roles";
      add("GET", base, "list_grants");
      add("PUT", base + "/{role_id}", "create_grant");
      add("HEAD", base + "/{role_id}", "check_grant");
      add("GET", base + "/{role_id}", "check_grant");
      add("DELETE", base + "/{role_id}", "revoke_grant");
    }
  // Grants on the system.
  for (std::string actor : {"user", "group"}) {
    const std::string base = "/system/" + actor + "s/{" + actor + "_id}/roles";
    add("GET", base, "list_system_grants_for_" + actor);
    add("PUT", base + "/{role_id}", "create_system_grant_for_" + actor);
    add("HEAD", base + "/{role_id}", "check_system_grant_for_" + actor);
    add("GET", base + "/{role_id}", "check_system_grant_for_" + actor);
    add("DELETE", base + "/{role_id}", "revoke_system_grant_for_" + actor);
  }
  add("GET", "/role_assignments", "list_role_assignments");

  // Implied roles.
  add("GET", "/roles/{prior_role_id}/implies", "list_implied_roles");
  add("PUT", "/roles/{prior_role_id}/implies/{implied_role_id}", "create_implied_role");
  add("GET", "/roles/{prior_role_id}/implies/{implied_role_id}", "get_implied_role");
  add("HEAD", "/roles/{prior_role_id}/implies/{implied_role_id}", "check_implied_role");
  add("DELETE", "/roles/{prior_role_id}/implies/{implied_role_id}", "delete_implied_role");
  add("GET", "/role_inferences", "list_role_inference_rules");

  // Application credentials and trusts.
  const std::string app = "/users/{user_id}/application_credentials";
  add("GET", app, "list_application_credentials");
  add("POST", app, "create_application_credential");
  add("GET", app + "/{application_credential_id}", "get_application_credential");
  add("DELETE", app + "/{application_credential_id}", "delete_application_credential");
  add("GET", "/OS-TRUST/trusts", "list_trusts");
  return api;
}

} // namespace stratus::gateway
