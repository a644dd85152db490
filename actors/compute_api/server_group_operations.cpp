// Server groups: affinity, anti-affinity and their soft variants.
// https://docs.openstack.org/api-ref/compute/#server-groups-os-server-groups

#include "actors/compute_api/compute_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::compute {
namespace {

const std::vector<std::string> policies{"affinity", "anti-affinity", "soft-affinity",
                                        "soft-anti-affinity"};

json render(const compute_call& c, const json& g) {
  json out{{"id", str(g, "id")},
           {"name", str(g, "name")},
           {"members", g.value("members", json::array())}};
  if (c.at_least(64)) {
    out["policy"] = str(g, "policy");
    out["rules"] = g.value("rules", json::object());
  } else {
    out["policies"] = json::array({str(g, "policy")});
    out["metadata"] = json::object();
  }
  if (c.at_least(13)) {
    out["project_id"] = str(g, "project_id");
    out["user_id"] = str(g, "user_id");
  }
  return out;
}

bool may_see(const compute_call& c, const json& g) {
  return c.admin() || str(g, "project_id") == c.call.ctx.caller.project_id;
}

} // namespace

void compute_api::add_server_group_operations() {
  add("os_compute_api:os-server-groups:index", [this](compute_call& c) -> compute_result {
    const bool all = c.admin() && !query(c, "all_projects").empty() && query(c, "all_projects") != "false";
    std::vector<const json*> picked;
    for (auto& [id, g] : catalog_.server_groups())
      if (all ? true : str(g, "project_id") == c.call.ctx.caller.project_id)
        picked.push_back(&g);
    const auto offset = std::strtoull(query(c, "offset").c_str(), nullptr, 10);
    const auto limit = query(c, "limit").empty() ? settings_.max_limit
                                                 : std::strtoull(query(c, "limit").c_str(), nullptr, 10);
    json out = json::array();
    for (std::size_t i = offset; i < picked.size() && out.size() < limit; ++i)
      out.push_back(render(c, *picked[i]));
    return api_json(200, {{"server_groups", out}});
  });

  add("os_compute_api:os-server-groups:show", [this](compute_call& c) -> compute_result {
    const json* g = catalog_.server_group(c.call.path("server_group_id"));
    if (!g || !may_see(c, *g))
      return api_error(msg::errc::not_found, "Instance group " + c.call.path("server_group_id") +
                                                 " could not be found.");
    return api_json(200, {{"server_group", render(c, *g)}});
  });

  add("os_compute_api:os-server-groups:create", [this](compute_call& c) -> compute_result {
    const json body = c.call.body.value("server_group", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute server_group.");
    const std::string name = str(body, "name");
    if (name.empty() || name.size() > 255)
      return api_error(msg::errc::invalid, "Invalid input for field/attribute name.");
    std::string policy;
    if (c.at_least(64)) {
      policy = str(body, "policy");
    } else {
      auto list = json_fields::strings(body, "policies");
      if (list.size() != 1)
        return api_error(msg::errc::invalid, "Invalid input for field/attribute policies.");
      policy = list.front();
    }
    if (std::find(policies.begin(), policies.end(), policy) == policies.end() ||
        (!c.at_least(15) && policy.rfind("soft-", 0) == 0))
      return api_error(msg::errc::invalid, "Invalid input for field/attribute policy. Value: " + policy);
    json rules = c.at_least(64) ? body.value("rules", json::object()) : json::object();
    if (!rules.is_object() || (!rules.empty() && policy != "anti-affinity"))
      return api_error(msg::errc::invalid, "Only anti-affinity policy supports rules.");
    const auto& project = c.call.ctx.caller.project_id;
    int64_t used = 0;
    for (auto& [id, g] : catalog_.server_groups())
      used += str(g, "project_id") == project;
    const auto limit = catalog_.quota(project, "server_groups");
    if (limit >= 0 && used >= limit)
      return api_error(msg::errc::forbidden, "Quota exceeded, too many server groups.");
    json g{{"id", runtime::new_uuid()}, {"name", name}, {"policy", policy}, {"rules", rules},
           {"members", json::array()}, {"project_id", project},
           {"user_id", c.call.ctx.caller.user_id}, {"created_at", nova_time(c.call.now)}};
    compute_result r = api_json(200, {{"server_group", render(c, g)}});
    r.changes.push_back(catalog_.put("server_group", str(g, "id"), g));
    return r;
  });

  add("os_compute_api:os-server-groups:delete", [this](compute_call& c) -> compute_result {
    const auto id = c.call.path("server_group_id");
    const json* g = catalog_.server_group(id);
    if (!g || !may_see(c, *g))
      return api_error(msg::errc::not_found, "Instance group " + id + " could not be found.");
    compute_result r = api_no_content();
    r.changes.push_back(catalog_.put("server_group", id, std::nullopt));
    return r;
  });
}

} // namespace stratus::compute
