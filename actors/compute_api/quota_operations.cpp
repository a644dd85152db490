// Quota sets and absolute limits.
// https://docs.openstack.org/api-ref/compute/#quota-sets-os-quota-sets
// https://docs.openstack.org/api-ref/compute/#limits-limits

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// The resources a quota set shows at this version (2.36 dropped the
/// network ones, 2.57 the injected files).
std::vector<std::string> shown_resources(const compute_call& c) {
  std::vector<std::string> out{"instances", "cores", "ram", "metadata_items", "key_pairs",
                               "server_groups", "server_group_members"};
  if (!c.at_least(57))
    for (const char* r : {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"})
      out.push_back(r);
  return out;
}

} // namespace

void compute_api::add_quota_operations() {
  auto quota_set = [this](const compute_call& c, const std::string& project, bool defaults) {
    json q{{"id", project}};
    for (auto& r : shown_resources(c))
      q[r] = defaults ? default_quotas().at(r) : catalog_.quota(project, r);
    if (!c.at_least(36))
      for (const char* r : {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"})
        q[r] = -1;
    return q;
  };
  auto may_read = [](const compute_call& c, const std::string& project) {
    return c.admin() || project == c.call.ctx.caller.project_id;
  };
  add("os_compute_api:os-quota-sets:show", [quota_set, may_read](compute_call& c) -> compute_result {
    const auto project = c.call.path("project_id");
    if (!may_read(c, project))
      return api_error(msg::errc::forbidden, "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
    return api_json(200, {{"quota_set", quota_set(c, project, false)}});
  });
  add("os_compute_api:os-quota-sets:defaults", [quota_set](compute_call& c) -> compute_result {
    return api_json(200, {{"quota_set", quota_set(c, c.call.path("project_id"), true)}});
  });
  add("os_compute_api:os-quota-sets:detail", [this, may_read](compute_call& c) -> compute_result {
    const auto project = c.call.path("project_id");
    if (!may_read(c, project))
      return api_error(msg::errc::forbidden, "Policy doesn't allow os_compute_api:os-quota-sets:detail to be performed.");
    json q{{"id", project}};
    std::map<std::string, int64_t> in_use{{"instances", c.cell.instances_used},
                                          {"cores", static_cast<int64_t>(c.cell.cores_used)},
                                          {"ram", static_cast<int64_t>(c.cell.ram_used)},
                                          {"key_pairs", static_cast<int64_t>(catalog_.keypairs_of(c.call.ctx.caller.user_id).size())}};
    for (auto& r : shown_resources(c))
      q[r] = {{"limit", catalog_.quota(project, r)}, {"in_use", in_use.count(r) ? in_use[r] : 0}, {"reserved", 0}};
    return api_json(200, {{"quota_set", q}});
  });
  add("os_compute_api:os-quota-sets:update", [this, quota_set](compute_call& c) -> compute_result {
    const auto project = c.call.path("project_id");
    const json body = c.call.body.value("quota_set", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute quota_set.");
    json record = catalog_.quota_record(project) ? *catalog_.quota_record(project) : json::object();
    for (auto& [k, v] : body.items()) {
      if (k == "force")
        continue;
      if (!default_quotas().count(k))
        return api_error(msg::errc::invalid, "Invalid input for field/attribute quota_set. "
                                             "Additional properties are not allowed ('" + k + "' was unexpected)");
      int64_t n = 0;
      if (v.is_number_integer())
        n = v.get<int64_t>();
      else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() < 12 &&
               v.get<std::string>().find_first_not_of("-0123456789") == std::string::npos)
        n = std::stoll(v.get<std::string>());
      else
        return api_error(msg::errc::invalid, "Invalid input for field/attribute " + k + ".");
      if (n < -1)
        return api_error(msg::errc::invalid, "Quota limit " + std::to_string(n) + " for " + k +
                                                 " must be -1 or greater.");
      record[k] = n;
    }
    compute_result r;
    r.changes.push_back(catalog_.put("quota", project, record));
    json shown = quota_set(c, project, false);
    shown.erase("id");
    r.reply = api_json(200, {{"quota_set", shown}}).reply;
    return r;
  });
  add("os_compute_api:os-quota-sets:delete", [this](compute_call& c) -> compute_result {
    compute_result r = accepted();
    r.changes.push_back(catalog_.put("quota", c.call.path("project_id"), std::nullopt));
    return r;
  });

  add("os_compute_api:limits", [this](compute_call& c) -> compute_result {
    const auto& project = c.call.ctx.caller.project_id;
    int64_t groups = 0;
    for (auto& [id, g] : catalog_.server_groups())
      groups += str(g, "project_id") == project;
    json absolute{{"maxTotalInstances", catalog_.quota(project, "instances")},
                  {"maxTotalCores", catalog_.quota(project, "cores")},
                  {"maxTotalRAMSize", catalog_.quota(project, "ram")},
                  {"maxServerMeta", catalog_.quota(project, "metadata_items")},
                  {"maxTotalKeypairs", catalog_.quota(project, "key_pairs")},
                  {"maxServerGroups", catalog_.quota(project, "server_groups")},
                  {"maxServerGroupMembers", catalog_.quota(project, "server_group_members")},
                  {"totalInstancesUsed", c.cell.instances_used},
                  {"totalCoresUsed", c.cell.cores_used},
                  {"totalRAMUsed", c.cell.ram_used},
                  {"totalServerGroupsUsed", groups}};
    if (!c.at_least(57)) {
      absolute["maxPersonality"] = catalog_.quota(project, "injected_files");
      absolute["maxPersonalitySize"] = catalog_.quota(project, "injected_file_content_bytes");
    }
    if (!c.at_least(39))
      absolute["maxImageMeta"] = 128;
    if (!c.at_least(36)) {
      for (const char* k : {"maxSecurityGroups", "maxSecurityGroupRules", "maxTotalFloatingIps"})
        absolute[k] = -1;
      for (const char* k : {"totalSecurityGroupsUsed", "totalFloatingIpsUsed"})
        absolute[k] = 0;
    }
    return api_json(200, {{"limits", {{"rate", json::array()}, {"absolute", absolute}}}});
  });
}

} // namespace stratus::compute
