// Role assignments (grants on projects, domains and the system, and
// GET /v3/role_assignments), group membership, the projects a user can
// use, and implied roles — the relationships between identity resources.

#include "actors/identity/identity_api.hpp"

namespace stratus::identity {
namespace {

api_result missing(const std::string& kind, const std::string& id) {
  return api_error(msg::errc::not_found, "Could not find " + kind + ": " + id + ".");
}

/// Who gets a grant and where, from the path of a grant operation.
struct grant_path {
  std::string actor_kind; // "user" or "group"
  std::string actor_id;
  std::string target_kind; // "project", "domain" or "system"
  std::string target_id;   // "all" for the system
  std::string role_id;

  std::string type() const {
    std::string t = actor_kind == "user" ? "User" : "Group";
    return t + (target_kind == "project"  ? "Project"
                : target_kind == "domain" ? "Domain"
                                          : "System");
  }
  std::string id() const {
    return assignment_id(type(), actor_id, target_id, role_id);
  }
};

grant_path grant_of(const api_call& c) {
  grant_path g;
  g.actor_kind = c.path("user_id").empty() ? "group" : "user";
  g.actor_id = c.path(g.actor_kind + "_id");
  if (!c.path("project_id").empty())
    g.target_kind = "project", g.target_id = c.path("project_id");
  else if (!c.path("domain_id").empty())
    g.target_kind = "domain", g.target_id = c.path("domain_id");
  else
    g.target_kind = "system", g.target_id = "all";
  g.role_id = c.path("role_id");
  return g;
}

/// 404 naming whichever part of the grant does not exist.
std::optional<api_result> check_parts(const identity_store& s, const grant_path& g,
                                      bool with_role) {
  if (!s.find(g.actor_kind, g.actor_id))
    return missing(g.actor_kind, g.actor_id);
  if (g.target_kind != "system" && !s.find(g.target_kind, g.target_id))
    return missing(g.target_kind, g.target_id);
  if (with_role && !s.find("role", g.role_id))
    return missing("role", g.role_id);
  return std::nullopt;
}

json role_ref(const identity_store& s, const std::string& id, bool names) {
  json r{{"id", id}};
  if (names)
    if (auto role = s.find("role", id))
      r["name"] = str(*role, "name");
  return r;
}

json named_ref(const identity_store& s, const std::string& kind, const std::string& id,
               bool names) {
  json r{{"id", id}};
  if (names)
    if (auto x = s.find(kind, id)) {
      r["name"] = str(*x, "name");
      if (x->contains("domain_id") && !(*x)["domain_id"].is_null()) {
        auto domain = s.find("domain", str(*x, "domain_id"));
        r["domain"] = {{"id", str(*x, "domain_id")}, {"name", domain ? str(*domain, "name") : ""}};
      }
    }
  return r;
}

/// A role assignment as GET /v3/role_assignments renders it.
json render_assignment(const identity_store& s, const json& a, const std::string& base,
                       bool names) {
  const auto type = str(a, "type");
  const bool user = type.starts_with("User");
  const auto actor = str(a, "actor_id");
  const auto target = str(a, "target_id");
  json out{{"role", role_ref(s, str(a, "role_id"), names)}};
  out[user ? "user" : "group"] = named_ref(s, user ? "user" : "group", actor, names);
  std::string scope_path;
  if (type.ends_with("Project")) {
    out["scope"] = {{"project", named_ref(s, "project", target, names)}};
    scope_path = "/projects/" + target;
  } else if (type.ends_with("Domain")) {
    out["scope"] = {{"domain", named_ref(s, "domain", target, names)}};
    scope_path = "/domains/" + target;
  } else {
    out["scope"] = {{"system", {{"all", true}}}};
    scope_path = "/system";
  }
  out["links"] = {{"assignment", base + scope_path + (user ? "/users/" : "/groups/") + actor +
                                     "/roles/" + str(a, "role_id")}};
  return out;
}

/// A user, group, project or role as its own collection renders it.
json render_in(const json& record, const std::string& base, const std::string& collection) {
  return render_record(record, base + "/" + collection + "/" + str(record, "id"));
}

} // namespace

void identity_api::add_assignment_operations() {
  auto& s = store_;

  // -- grants: PUT/HEAD/GET/DELETE /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{id},
  //    and /v3/system/{users|groups}/{id}/roles/{id}
  auto create_grant = [&s](api_call& c) -> api_result {
    auto g = grant_of(c);
    if (auto problem = check_parts(s, g, true))
      return std::move(*problem);
    api_result r = api_no_content();
    if (!s.find("assignment", g.id()))
      r.changes.push_back({"assignment", g.id(),
                           json{{"type", g.type()},
                                {"actor_id", g.actor_id},
                                {"target_id", g.target_id},
                                {"role_id", g.role_id},
                                {"inherited", false}}});
    return r;
  };
  auto check_grant = [&s](api_call& c) -> api_result {
    auto g = grant_of(c);
    if (auto problem = check_parts(s, g, true))
      return std::move(*problem);
    if (!s.find("assignment", g.id()))
      return api_error(msg::errc::not_found, "Could not find role assignment.");
    return api_no_content();
  };
  auto revoke_grant = [this, &s](api_call& c) -> api_result {
    auto g = grant_of(c);
    if (!s.find("assignment", g.id()))
      return api_error(msg::errc::not_found, "Could not find role assignment.");
    api_result r = api_no_content();
    r.changes.push_back({"assignment", g.id(), std::nullopt});
    // Tokens that carried the role stop working (Keystone's behaviour).
    auto e = revocation(c.now, c.now + settings_.token_ttl_seconds,
                        g.actor_kind == "user" ? g.actor_id : "",
                        g.target_kind == "project" ? g.target_id : "");
    if (!e.user_id.empty() || !e.project_id.empty())
      r.revoked.push_back(e);
    return r;
  };
  auto list_grants = [&s](api_call& c) -> api_result {
    auto g = grant_of(c);
    if (auto problem = check_parts(s, g, false))
      return std::move(*problem);
    json roles = json::array();
    const auto prefix = assignment_id(g.type(), g.actor_id, g.target_id, "");
    const auto& all = s.all("assignment");
    for (auto it = all.lower_bound(prefix); it != all.end() && it->first.starts_with(prefix); ++it)
      if (auto role = s.find("role", str(it->second, "role_id")))
        roles.push_back(render_in(*role, c.base, "roles"));
    return api_json(200, {{"roles", std::move(roles)}, {"links", list_links(c.base)}});
  };
  // Keystone's policy names: one set for projects and domains, one per
  // actor kind for the system.
  operations_["identity:create_grant"] = create_grant;
  operations_["identity:check_grant"] = check_grant;
  operations_["identity:revoke_grant"] = revoke_grant;
  operations_["identity:list_grants"] = list_grants;
  for (std::string actor : {"user", "group"}) {
    operations_["identity:create_system_grant_for_" + actor] = create_grant;
    operations_["identity:check_system_grant_for_" + actor] = check_grant;
    operations_["identity:revoke_system_grant_for_" + actor] = revoke_grant;
    operations_["identity:list_system_grants_for_" + actor] = list_grants;
  }

  // -- GET /v3/role_assignments
  operations_["identity:list_role_assignments"] = [&s](api_call& c) {
    const bool names = c.query("include_names") != nullptr;
    const bool effective = c.query("effective") != nullptr;
    auto wanted = [&c](const char* name, const std::string& have) {
      auto q = c.query(name);
      return !q || *q == have;
    };
    json out = json::array();
    auto consider = [&](const json& a, const std::string& actor_type, const std::string& actor,
                        const std::string& role_id, const json* via_group) {
      const auto type = str(a, "type");
      const auto target = str(a, "target_id");
      const bool project = type.ends_with("Project"), domain = type.ends_with("Domain");
      if (!wanted(actor_type == "User" ? "user.id" : "group.id", actor) ||
          (actor_type == "User" && c.query("group.id")) ||
          (actor_type == "Group" && c.query("user.id")) || !wanted("role.id", role_id) ||
          (c.query("scope.project.id") && (!project || !wanted("scope.project.id", target))) ||
          (c.query("scope.domain.id") && (!domain || !wanted("scope.domain.id", target))) ||
          (c.query("scope.system") && (project || domain)))
        return;
      json shown = a;
      shown["type"] = actor_type + type.substr(type.starts_with("User") ? 4 : 5);
      shown["actor_id"] = actor;
      shown["role_id"] = role_id;
      auto rendered = render_assignment(s, shown, c.base, names);
      if (via_group)
        rendered["links"]["membership"] =
            c.base + "/groups/" + str(a, "actor_id") + "/users/" + actor;
      out.push_back(std::move(rendered));
    };
    for (auto& [id, a] : s.all("assignment")) {
      const bool group = str(a, "type").starts_with("Group");
      std::set<std::string> roles{str(a, "role_id")};
      if (effective)
        roles = s.with_implied(roles);
      for (auto& role : roles) {
        if (!effective || !group) {
          consider(a, group ? "Group" : "User", str(a, "actor_id"), role, nullptr);
          continue;
        }
        for (auto& [mid, m] : s.all("membership")) // a group's grant reaches its members
          if (str(m, "group_id") == str(a, "actor_id"))
            consider(a, "User", str(m, "user_id"), role, &m);
      }
    }
    return api_json(200, {{"role_assignments", std::move(out)},
                          {"links", list_links(c.base + "/role_assignments")}});
  };

  // -- group membership
  // The 404 for a membership path whose group or user does not exist.
  auto absent_member_parts = [&s](api_call& c) -> std::optional<api_result> {
    if (!s.find("group", c.path("group_id")))
      return missing("group", c.path("group_id"));
    if (!s.find("user", c.path("user_id")))
      return missing("user", c.path("user_id"));
    return std::nullopt;
  };
  auto membership_id = [](api_call& c) { return c.path("group_id") + ":" + c.path("user_id"); };
  operations_["identity:add_user_to_group"] = [&s, absent_member_parts,
                                               membership_id](api_call& c) -> api_result {
    if (auto absent = absent_member_parts(c))
      return std::move(*absent);
    const auto id = membership_id(c);
    api_result r = api_no_content();
    r.changes.push_back(
        {"membership", id, json{{"group_id", c.path("group_id")}, {"user_id", c.path("user_id")}}});
    return r;
  };
  operations_["identity:check_user_in_group"] = [&s, absent_member_parts,
                                                 membership_id](api_call& c) -> api_result {
    if (auto absent = absent_member_parts(c))
      return std::move(*absent);
    const auto id = membership_id(c);
    if (!s.find("membership", id))
      return api_error(msg::errc::not_found, "User " + c.path("user_id") +
                                                 " is not a member of group " + c.path("group_id") +
                                                 ".");
    return api_no_content();
  };
  operations_["identity:remove_user_from_group"] = [this, &s, absent_member_parts,
                                                    membership_id](api_call& c) {
    if (auto absent = absent_member_parts(c))
      return std::move(*absent);
    const auto id = membership_id(c);
    if (!s.find("membership", id))
      return missing("membership", id);
    api_result r = api_no_content();
    r.changes.push_back({"membership", id, std::nullopt});
    r.revoked.push_back(
        revocation(c.now, c.now + settings_.token_ttl_seconds, c.path("user_id"), ""));
    return r;
  };
  operations_["identity:list_users_in_group"] = [&s](api_call& c) -> api_result {
    const auto group = c.path("group_id");
    if (!s.find("group", group))
      return missing("group", group);
    json users = json::array();
    for (auto& [mid, m] : s.all("membership"))
      if (str(m, "group_id") == group)
        if (auto u = s.find("user", str(m, "user_id")))
          users.push_back(render_in(*u, c.base, "users"));
    return api_json(200, {{"users", std::move(users)}, {"links", list_links(c.base)}});
  };
  operations_["identity:list_groups_for_user"] = [&s](api_call& c) -> api_result {
    const auto user = c.path("user_id");
    if (!s.find("user", user))
      return missing("user", user);
    json groups = json::array();
    for (auto& g : s.groups_of(user))
      if (auto x = s.find("group", g))
        groups.push_back(render_in(*x, c.base, "groups"));
    return api_json(200, {{"groups", std::move(groups)}, {"links", list_links(c.base)}});
  };
  operations_["identity:list_user_projects"] = [&s](api_call& c) -> api_result {
    const auto user = c.path("user_id");
    if (!s.find("user", user))
      return missing("user", user);
    json projects = json::array();
    for (auto& [pid, p] : s.all("project"))
      if (!s.effective_roles(user, target_type::project, pid).empty())
        projects.push_back(render_in(p, c.base, "projects"));
    return api_json(200, {{"projects", std::move(projects)}, {"links", list_links(c.base)}});
  };

  // -- implied roles: /v3/roles/{prior_role_id}/implies/{implied_role_id}
  auto inference = [&s](const std::string& prior, const json& implies, const std::string& base) {
    auto p = s.find("role", prior);
    return json{{"prior_role",
                 {{"id", prior},
                  {"name", p ? str(*p, "name") : ""},
                  {"links", {{"self", base + "/roles/" + prior}}}}},
                {"implies", implies}};
  };
  auto implied_ref = [&s](const std::string& id, const std::string& base) {
    auto r = s.find("role", id);
    return json{{"id", id},
                {"name", r ? str(*r, "name") : ""},
                {"links", {{"self", base + "/roles/" + id}}}};
  };
  // The 404 for an implication whose roles do not exist.
  auto absent_roles = [&s](api_call& c) -> std::optional<api_result> {
    for (const char* param : {"prior_role_id", "implied_role_id"})
      if (!s.find("role", c.path(param)))
        return missing("role", c.path(param));
    return std::nullopt;
  };
  auto implication_id = [](api_call& c) {
    return c.path("prior_role_id") + ":" + c.path("implied_role_id");
  };
  operations_["identity:create_implied_role"] = [inference, implied_ref, absent_roles,
                                                 implication_id](api_call& c) -> api_result {
    if (auto absent = absent_roles(c))
      return std::move(*absent);
    const auto id = implication_id(c);
    if (c.path("prior_role_id") == c.path("implied_role_id"))
      return api_error(msg::errc::invalid, "A role cannot imply itself.");
    api_result r = api_json(201, {{"role_inference",
                             inference(c.path("prior_role_id"),
                                       implied_ref(c.path("implied_role_id"), c.base), c.base)}});
    r.changes.push_back({"implied_role", id,
                         json{{"prior_role_id", c.path("prior_role_id")},
                              {"implied_role_id", c.path("implied_role_id")}}});
    return r;
  };
  auto get_implied = [&s, inference, implied_ref, absent_roles, implication_id](api_call& c) -> api_result {
    if (auto absent = absent_roles(c))
      return std::move(*absent);
    const auto id = implication_id(c);
    if (!s.find("implied_role", id))
      return missing("implied role", id);
    return api_json(200, {{"role_inference",
                           inference(c.path("prior_role_id"),
                                     implied_ref(c.path("implied_role_id"), c.base), c.base)}});
  };
  operations_["identity:get_implied_role"] = get_implied;
  operations_["identity:check_implied_role"] = [get_implied](api_call& c) {
    auto r = get_implied(c);
    if (!r.error)
      r = api_no_content();
    return r;
  };
  operations_["identity:delete_implied_role"] = [&s, absent_roles, implication_id](api_call& c) {
    if (auto absent = absent_roles(c))
      return std::move(*absent);
    const auto id = implication_id(c);
    if (!s.find("implied_role", id))
      return missing("implied role", id);
    api_result r = api_no_content();
    r.changes.push_back({"implied_role", id, std::nullopt});
    return r;
  };
  auto implies_of = [&s, implied_ref](const std::string& prior, const std::string& base) {
    json implies = json::array();
    for (auto& [iid, i] : s.all("implied_role"))
      if (str(i, "prior_role_id") == prior)
        implies.push_back(implied_ref(str(i, "implied_role_id"), base));
    return implies;
  };
  operations_["identity:list_implied_roles"] = [&s, inference, implies_of](api_call& c) -> api_result {
    const auto prior = c.path("prior_role_id");
    if (!s.find("role", prior))
      return missing("role", prior);
    return api_json(200, {{"role_inference", inference(prior, implies_of(prior, c.base), c.base)}});
  };
  operations_["identity:list_role_inference_rules"] = [&s, inference, implies_of](api_call& c) {
    std::set<std::string> priors;
    for (auto& [iid, i] : s.all("implied_role"))
      priors.insert(str(i, "prior_role_id"));
    json out = json::array();
    for (auto& p : priors)
      out.push_back(inference(p, implies_of(p, c.base), c.base));
    return api_json(200, {{"role_inferences", std::move(out)},
                          {"links", list_links(c.base + "/role_inferences")}});
  };
}

} // namespace stratus::identity
