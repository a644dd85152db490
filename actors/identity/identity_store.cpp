#include "actors/identity/identity_store.hpp"

namespace stratus::identity {
namespace {

const char* target_name(target_type t) {
  switch (t) {
  case target_type::project:
    return "Project";
  case target_type::domain:
    return "Domain";
  case target_type::system:
    return "System";
  }
  return "";
}

} // namespace

json revocation_record(const msg::revocation_event& e) {
  return {{"user_id", e.user_id},       {"project_id", e.project_id},
          {"audit_id", e.audit_id},     {"issued_before", e.issued_before},
          {"expires_at", e.expires_at}, {"application_credential_id", e.application_credential_id}};
}

msg::revocation_event revocation_from_record(const json& r) {
  msg::revocation_event e;
  e.user_id = str(r, "user_id");
  e.project_id = str(r, "project_id");
  e.audit_id = str(r, "audit_id");
  auto number = [&r](const char* key) {
    auto it = r.find(key);
    return it != r.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  e.issued_before = number("issued_before");
  e.expires_at = number("expires_at");
  e.application_credential_id = str(r, "application_credential_id");
  return e;
}

std::string assignment_id(const std::string& type, const std::string& actor,
                          const std::string& target, const std::string& role) {
  return type + ":" + actor + ":" + target + ":" + role;
}

const json* identity_store::find(const std::string& kind, const std::string& id) const {
  auto k = kinds_.find(kind);
  if (k == kinds_.end())
    return nullptr;
  auto it = k->second.find(id);
  return it == k->second.end() ? nullptr : &it->second;
}

const std::map<std::string, json>& identity_store::all(const std::string& kind) const {
  static const std::map<std::string, json> none;
  auto k = kinds_.find(kind);
  return k == kinds_.end() ? none : k->second;
}

store_change identity_store::apply(const store_change& c) {
  ++generation_;
  auto& records = kinds_[c.kind];
  store_change undo{c.kind, c.id, std::nullopt};
  if (auto it = records.find(c.id); it != records.end())
    undo.value = it->second;
  if (c.value)
    records[c.id] = *c.value;
  else
    records.erase(c.id);
  return undo;
}

const json* identity_store::find_by(const std::string& kind, const std::string& attr,
                                    const std::string& value, const std::string* domain_id) const {
  for (auto& [id, r] : all(kind)) {
    auto a = r.find(attr);
    if (a == r.end() || !a->is_string() || a->get_ref<const std::string&>() != value)
      continue;
    if (domain_id && str(r, "domain_id") != *domain_id)
      continue;
    return &r;
  }
  return nullptr;
}

std::vector<std::string> identity_store::groups_of(const std::string& user_id) const {
  std::vector<std::string> out;
  for (auto& [id, m] : all("membership"))
    if (str(m, "user_id") == user_id)
      out.push_back(str(m, "group_id"));
  return out;
}

std::set<std::string> identity_store::effective_roles(const std::string& user_id, target_type type,
                                                      const std::string& target_id) const {
  std::set<std::string> roles;
  const auto& assignments = all("assignment");
  auto collect = [&](const std::string& actor_type, const std::string& actor) {
    const std::string prefix = assignment_id(actor_type + target_name(type), actor, target_id, "");
    for (auto it = assignments.lower_bound(prefix);
         it != assignments.end() && it->first.starts_with(prefix); ++it)
      roles.insert(str(it->second, "role_id"));
  };
  collect("User", user_id);
  for (auto& g : groups_of(user_id))
    collect("Group", g);
  return with_implied(std::move(roles));
}

std::set<std::string> identity_store::with_implied(std::set<std::string> roles) const {
  const auto& implications = all("implied_role");
  if (implications.empty())
    return roles;
  std::vector<std::string> todo(roles.begin(), roles.end());
  while (!todo.empty()) {
    const std::string prior = todo.back();
    todo.pop_back();
    const std::string prefix = prior + ":";
    for (auto it = implications.lower_bound(prefix);
         it != implications.end() && it->first.starts_with(prefix); ++it) {
      auto implied = str(it->second, "implied_role_id");
      if (roles.insert(implied).second)
        todo.push_back(implied);
    }
  }
  return roles;
}

} // namespace stratus::identity
