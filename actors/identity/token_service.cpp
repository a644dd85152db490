#include "actors/identity/token_service.hpp"

#include <cmath>
#include <ctime>

#include "actors/identity/fernet.hpp"

namespace stratus::identity {

token_service::token_service(const identity_store& store, key_repository& keys, int64_t ttl_seconds)
    : store_(store), keys_(keys), ttl_(ttl_seconds) {}

std::string token_service::iso_time(double unix_seconds) {
  const auto whole = static_cast<std::time_t>(std::floor(unix_seconds));
  const auto micros = static_cast<int>((unix_seconds - static_cast<double>(whole)) * 1e6);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06dZ", buf, micros);
  return out;
}

std::string token_service::encrypt(const token_payload& p, int64_t now) const {
  return fernet_encrypt(keys_.primary(), encode_payload(p), static_cast<uint64_t>(now));
}

std::variant<msg::token_info, token_refusal> token_service::validate(const std::string& token,
                                                                     int64_t now) const {
  if (token.empty() || token.size() > 1024)
    return token_refusal{"malformed token"};
  auto opened = fernet_decrypt(keys_.keys(), token, static_cast<uint64_t>(now));
  if (!opened.plaintext)
    return token_refusal{"token signature or format invalid"};
  auto payload = decode_payload(*opened.plaintext);
  if (!payload)
    return token_refusal{"token payload invalid"};
  if (payload->expires_at <= static_cast<double>(now))
    return token_refusal{"token expired"};
  auto resolved = resolve(*payload, static_cast<int64_t>(opened.issued_at));
  if (auto* info = std::get_if<msg::token_info>(&resolved))
    for (auto& [id, r] : store_.all("revocation"))
      if (revocation_from_record(r).matches(*info))
        return token_refusal{"token revoked"};
  return resolved;
}

std::variant<msg::token_info, token_refusal> token_service::resolve(const token_payload& p,
                                                                    int64_t issued_at) const {
  auto user = store_.find("user", p.user_id);
  if (!user || !user->value("enabled", true))
    return token_refusal{"user unknown or disabled"};
  msg::token_info t;
  t.user_id = p.user_id;
  t.user_name = user->value("name", "");
  t.user_domain_id = user->value("domain_id", "");
  if (auto d = store_.find("domain", t.user_domain_id); !d || !d->value("enabled", true))
    return token_refusal{"the user's domain is disabled"};
  t.audit_id = p.audit_id;
  t.methods = p.methods;
  t.issued_at = issued_at;
  t.expires_at = static_cast<int64_t>(p.expires_at);
  std::set<std::string> role_ids;
  switch (p.scope) {
  case token_scope::unscoped:
    break;
  case token_scope::project:
  case token_scope::application_credential: {
    auto project = store_.find("project", p.scope_id);
    if (!project || !project->value("enabled", true))
      return token_refusal{"project unknown or disabled"};
    t.project_id = p.scope_id;
    t.project_domain_id = project->value("domain_id", "");
    role_ids = store_.effective_roles(p.user_id, target_type::project, p.scope_id);
    if (p.scope == token_scope::application_credential) {
      auto credential = store_.find("application_credential", p.application_credential_id);
      if (!credential || credential->value("user_id", "") != p.user_id)
        return token_refusal{"the application credential is gone"};
      // Its roles only, and only those the user still holds.
      std::set<std::string> granted;
      for (auto& role : credential->value("roles", json::array()))
        if (role_ids.count(str(role, "id")))
          granted.insert(str(role, "id"));
      role_ids = std::move(granted);
      t.application_credential_id = p.application_credential_id;
    }
    break;
  }
  case token_scope::domain: {
    auto domain = store_.find("domain", p.scope_id);
    if (!domain || !domain->value("enabled", true))
      return token_refusal{"domain unknown or disabled"};
    t.domain_id = p.scope_id;
    role_ids = store_.effective_roles(p.user_id, target_type::domain, p.scope_id);
    break;
  }
  case token_scope::system:
    t.system_scope = "all";
    role_ids = store_.effective_roles(p.user_id, target_type::system, "all");
    break;
  }
  if (p.scope != token_scope::unscoped && role_ids.empty())
    return token_refusal{"the user holds no role on the token's scope"};
  for (auto& id : role_ids)
    if (auto role = store_.find("role", id))
      t.roles.push_back(role->value("name", ""));
  return t;
}

std::string token_service::render(const msg::token_info& t, bool with_catalog) const {
  auto domain_ref = [this](const std::string& id) {
    auto d = store_.find("domain", id);
    return json{{"id", id}, {"name", d ? d->value("name", "") : ""}};
  };
  json token{
      {"methods", t.methods},
      {"user",
       {{"id", t.user_id},
        {"name", t.user_name},
        {"domain", domain_ref(t.user_domain_id)},
        {"password_expires_at", nullptr}}},
      {"audit_ids", json::array({t.audit_id})},
      {"expires_at", iso_time(static_cast<double>(t.expires_at))},
      {"issued_at", iso_time(static_cast<double>(t.issued_at))},
  };
  if (!t.project_id.empty() || !t.domain_id.empty() || !t.system_scope.empty()) {
    json roles = json::array();
    for (auto& name : t.roles)
      if (auto r = store_.find_by("role", "name", name))
        roles.push_back({{"id", (*r)["id"]}, {"name", name}});
    token["roles"] = std::move(roles);
  } else {
    with_catalog = false; // unscoped tokens carry no catalog
  }
  if (!t.project_id.empty()) {
    auto p = store_.find("project", t.project_id);
    token["project"] = {{"id", t.project_id},
                        {"name", p ? p->value("name", "") : ""},
                        {"domain", domain_ref(t.project_domain_id)}};
    token["is_domain"] = false;
    if (auto credential = store_.find("application_credential", t.application_credential_id))
      token["application_credential"] = {{"id", t.application_credential_id},
                                         {"name", credential->value("name", "")},
                                         {"restricted", !credential->value("unrestricted", false)}};
  } else if (!t.domain_id.empty()) {
    token["domain"] = domain_ref(t.domain_id);
  } else if (!t.system_scope.empty()) {
    token["system"] = {{"all", true}};
  }
  std::string body = json{{"token", std::move(token)}}.dump();
  if (with_catalog) {
    // The catalog is the bulk of the body: splice in its cached text.
    refresh_catalog();
    body.insert(body.size() - 2, ",\"catalog\":" + catalog_text_);
  }
  return body;
}

std::variant<std::pair<msg::token_info, std::string>, token_refusal>
token_service::validate_and_render(const std::string& token, bool with_catalog, int64_t now) const {
  /// Bounds the memory of remembered tokens.
  constexpr std::size_t max_rendered = 10000;
  if (rendered_generation_ != store_.generation() || rendered_.size() >= max_rendered) {
    rendered_.clear();
    rendered_generation_ = store_.generation();
  }
  auto it = rendered_.find(token);
  if (it == rendered_.end()) {
    auto validated = validate(token, now);
    if (auto* refusal = std::get_if<token_refusal>(&validated))
      return *refusal;
    it = rendered_.emplace(token, rendered{std::get<msg::token_info>(validated), {}}).first;
  }
  auto& r = it->second;
  if (r.info.expires_at <= now)
    return token_refusal{"token expired"};
  auto& body = r.body[with_catalog ? 1 : 0];
  if (body.empty())
    body = render(r.info, with_catalog);
  return std::make_pair(r.info, body);
}

std::size_t token_service::rotate_keys() {
  keys_.rotate();
  rendered_.clear();
  return keys_.keys().size();
}

const json& token_service::catalog() const {
  refresh_catalog();
  return catalog_;
}

void token_service::refresh_catalog() const {
  if (catalog_generation_ == store_.generation())
    return;
  json services = json::array();
  for (auto& [id, s] : store_.all("service")) {
    if (!flag(s, "enabled", true))
      continue;
    json endpoints = json::array();
    for (auto& [eid, e] : store_.all("endpoint")) {
      if (str(e, "service_id") != id || !flag(e, "enabled", true))
        continue;
      const auto region = str(e, "region_id");
      endpoints.push_back({{"id", eid},
                           {"interface", str(e, "interface")},
                           {"region", region},
                           {"region_id", region},
                           {"url", str(e, "url")}});
    }
    services.push_back({{"id", id},
                        {"type", str(s, "type")},
                        {"name", str(s, "name")},
                        {"endpoints", std::move(endpoints)}});
  }
  catalog_ = std::move(services);
  catalog_text_ = catalog_.dump();
  catalog_generation_ = store_.generation();
}

} // namespace stratus::identity
