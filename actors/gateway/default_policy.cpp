#include "actors/gateway/default_policy.hpp"

#include "actors/gateway/policy.hpp"
#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

void add_default_rules(policy& p) {
  // Building blocks. Like Keystone with scope enforcement off, an admin is an
  // admin whatever the token's scope; readers of the system scope may read.
  p.set("admin_required", "role:admin");
  p.set("service_role", "role:service");
  p.set("system_reader", "rule:admin_required or (role:reader and system_scope:all)");
  p.set("owner", "user_id:%(user_id)s");
  p.set("admin_or_owner", "rule:admin_required or rule:owner");
  p.set("authenticated", "@");

  // -- identity: reads for system readers, writes for admins, with the
  //    exceptions Keystone makes for a user's own records.
  for (const char* kind : {"domain", "project", "user", "group", "role", "region", "service",
                           "endpoint", "credential", "policy"}) {
    const std::string k = kind;
    p.set("identity:create_" + k, "rule:admin_required");
    p.set("identity:update_" + k, "rule:admin_required");
    p.set("identity:delete_" + k, "rule:admin_required");
    p.set("identity:get_" + k, "rule:system_reader");
  }
  for (const char* collection : {"domains", "projects", "users", "groups", "roles", "services",
                                 "endpoints", "credentials", "policies"})
    p.set(std::string{"identity:list_"} + collection, "rule:system_reader");
  p.set("identity:get_domain", "rule:system_reader or domain_id:%(domain_id)s or "
                               "project_domain_id:%(domain_id)s");
  p.set("identity:get_project", "rule:system_reader or project_id:%(project_id)s");
  p.set("identity:get_user", "rule:system_reader or rule:owner");
  p.set("identity:get_project_tags", "rule:system_reader or project_id:%(project_id)s");
  p.set("identity:get_project_tag", "rule:system_reader or project_id:%(project_id)s");
  for (const char* op :
       {"update_project_tags", "delete_project_tags", "create_project_tag", "delete_project_tag"})
    p.set(std::string{"identity:"} + op, "rule:admin_required");
  p.set("identity:get_region", "rule:authenticated");
  p.set("identity:list_regions", "rule:authenticated");

  for (const char* op :
       {"issue_token", "validate_token", "check_token", "revoke_token", "get_auth_catalog",
        "get_auth_projects", "get_auth_domains", "get_auth_system", "list_trusts"})
    p.set(std::string{"identity:"} + op, "rule:authenticated"); // the role checks the subject

  for (const char* op : {"change_password", "list_user_projects", "list_groups_for_user",
                         "create_application_credential", "list_application_credentials",
                         "get_application_credential", "delete_application_credential"})
    p.set(std::string{"identity:"} + op, "rule:admin_or_owner");

  for (const char* op :
       {"list_users_in_group", "check_user_in_group", "list_grants", "check_grant",
        "list_role_assignments", "list_implied_roles", "get_implied_role", "check_implied_role",
        "list_role_inference_rules", "list_system_grants_for_user", "list_system_grants_for_group",
        "check_system_grant_for_user", "check_system_grant_for_group"})
    p.set(std::string{"identity:"} + op, "rule:system_reader");

  for (const char* op : {"add_user_to_group", "remove_user_from_group", "create_grant",
                         "revoke_grant", "create_implied_role", "delete_implied_role",
                         "create_system_grant_for_user", "create_system_grant_for_group",
                         "revoke_system_grant_for_user", "revoke_system_grant_for_group"})
    p.set(std::string{"identity:"} + op, "rule:admin_required");

  // -- image: any project member may call; the image role decides with the
  //    image at hand (owner or admin modifies, visibility decides who reads),
  //    as Glance's defaults do.
  for (const char* op :
       {"get_images", "add_image", "get_image", "modify_image", "delete_image", "upload_image",
        "download_image", "add_tag", "delete_tag", "deactivate", "reactivate", "get_members",
        "add_member", "get_member", "modify_member", "delete_member", "get_schema_image",
        "get_schema_images", "get_schema_member", "get_schema_members", "get_import_info",
        "get_usage"})
    p.set(std::string{"image:"} + op, "rule:authenticated");

  // -- compute: project members for their servers, key pairs, groups and
  //    limits (the role checks ownership); admins for flavors, hosts,
  //    services and other projects' quotas, as Nova's defaults.
  for (const auto& r : compute_routes().routes)
    p.set(r.operation, "rule:authenticated");
  for (const char* op :
       {"os-flavor-manage:create", "os-flavor-manage:update", "os-flavor-manage:delete",
        "os-flavor-manage:action", "os-flavor-access", "os-flavor-extra-specs:create",
        "os-flavor-extra-specs:update", "os-flavor-extra-specs:delete", "os-quota-sets:update",
        "os-quota-sets:delete", "os-hypervisors:list", "os-hypervisors:list-detail",
        "os-hypervisors:statistics", "os-hypervisors:show", "os-hypervisors:uptime",
        "os-hypervisors:search", "os-hypervisors:servers", "os-services:list",
        "os-services:update", "os-availability-zone:detail"})
    p.set(std::string{"os_compute_api:"} + op, "rule:admin_required");

  // -- network: project members for their own resources (the role checks
  //    ownership, shared networks and admin-only attributes); agents and
  //    other projects' quotas for admins, as Neutron's defaults.
  for (const auto& r : network_routes().routes)
    p.set(r.operation, "rule:authenticated");
  for (const char* op : {"get_agent", "update_quota", "delete_quota"})
    p.set(op, "rule:admin_required");

  // -- placement: the service's own API, for admins and services (Nova's
  //    service user) only, as Placement's defaults have it; project readers
  //    may see their project's usages.
  p.set("placement_admin_api", "rule:admin_required or rule:service_role");
  for (const auto& r : placement_routes().routes)
    p.set(r.operation, "rule:placement_admin_api");
  p.set("placement:usages", "rule:placement_admin_api or project_id:%(project_id)s");
}

} // namespace stratus::gateway
