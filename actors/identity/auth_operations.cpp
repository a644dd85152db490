// Authentication and token operations (POST/GET/HEAD/DELETE
// /v3/auth/tokens, /v3/auth/{catalog,projects,domains,system}), password
// changes, application credentials and trusts.

#include "actors/identity/identity_api.hpp"

namespace stratus::identity {
namespace {

constexpr const char* requires_authentication =
    "The request you have made requires authentication.";

api_result unauthorized(std::string why = requires_authentication) {
  return api_error(msg::errc::unauthorized, std::move(why));
}

/// A domain named by {"id": …} or {"name": …}.
const json* find_domain(const identity_store& s, const json& ref) {
  if (!ref.is_object())
    return nullptr;
  if (auto id = str(ref, "id"); !id.empty())
    return s.find("domain", id);
  return s.find_by("domain", "name", str(ref, "name"));
}

/// A user or project named by id, or by name within a domain.
const json* find_named(const identity_store& s, const std::string& kind, const json& ref) {
  if (!ref.is_object())
    return nullptr;
  if (auto id = str(ref, "id"); !id.empty())
    return s.find(kind, id);
  auto domain = find_domain(s, ref.value("domain", json::object()));
  if (!domain)
    return nullptr;
  const auto domain_id = str(*domain, "id");
  return s.find_by(kind, "name", str(ref, "name"), &domain_id);
}

} // namespace

void identity_api::add_auth_operations() {
  auto& s = store_;

  // Signs the token of `p` and answers 201 with it (the last step of every method).
  auto sign = [this](token_payload p, bool catalog, int64_t now) -> api_result {
    auto resolved = tokens_.resolve(p, now);
    if (auto* refusal = std::get_if<token_refusal>(&resolved))
      return unauthorized(p.scope == token_scope::unscoped ? requires_authentication
                                                           : refusal->reason + ".");
    api_result r;
    r.reply.status = 201;
    r.reply.body = tokens_.render(std::get<msg::token_info>(resolved), catalog);
    r.reply.headers.push_back({"X-Subject-Token", tokens_.encrypt(p, now)});
    return r;
  };

  // Scopes a token for an authenticated user as the request asks, then signs it.
  auto issue = [&s, sign](const std::string& user_id, std::vector<std::string> methods,
                          double expires_at, const json& scope, bool catalog,
                          int64_t now) -> api_result {
    token_payload p;
    p.user_id = user_id;
    p.methods = std::move(methods);
    p.expires_at = expires_at;
    p.audit_id = new_audit_id();
    if (scope.is_object() && scope.contains("project")) {
      auto project = find_named(s, "project", scope["project"]);
      if (!project)
        return unauthorized("Could not find the project to scope to.");
      p.scope = token_scope::project;
      p.scope_id = str(*project, "id");
    } else if (scope.is_object() && scope.contains("domain")) {
      auto domain = find_domain(s, scope["domain"]);
      if (!domain)
        return unauthorized("Could not find the domain to scope to.");
      p.scope = token_scope::domain;
      p.scope_id = str(*domain, "id");
    } else if (scope.is_object() && scope.contains("system")) {
      if (!scope["system"].is_object() || !scope["system"].value("all", false))
        return api_error(msg::errc::invalid, "The only system scope is {\"all\": true}.");
      p.scope = token_scope::system;
      p.scope_id = "all";
    } else if (scope.is_object() && !scope.empty()) {
      return api_error(msg::errc::invalid,
                       "Unsupported scope " + scope.items().begin().key() + ".");
    } else if (auto user = s.find("user", user_id)) {
      // Unscoped requests use the user's default project when they may (Keystone does).
      const auto project = str(*user, "default_project_id");
      if (!project.empty() && s.find("project", project) &&
          !s.effective_roles(user_id, target_type::project, project).empty()) {
        p.scope = token_scope::project;
        p.scope_id = project;
      }
    }
    return sign(std::move(p), catalog, now);
  };

  operations_["identity:issue_token"] = [this, &s, issue, sign](api_call& c) -> api_result {
    auto auth = c.body.find("auth");
    if (auth == c.body.end() || !auth->is_object() || !(*auth)["identity"].is_object())
      return api_error(msg::errc::invalid, "Expecting to find auth.identity in request body.");
    const json& identity = (*auth)["identity"];
    const json scope = auth->value("scope", json(nullptr));
    const bool catalog = c.query("nocatalog") == nullptr;
    const auto methods = strings(identity, "methods");
    const int64_t now = c.now;
    const double expires = static_cast<double>(now + settings_.token_ttl_seconds);
    auto has = [&methods](const char* m) {
      return std::find(methods.begin(), methods.end(), m) != methods.end();
    };
    if (has("password")) {
      const json& user_ref = identity.value("password", json::object()).value("user", json());
      auto password = user_ref.is_object() ? user_ref.find("password") : json::const_iterator{};
      if (!user_ref.is_object() || password == user_ref.end() || !password->is_string())
        return api_error(msg::errc::invalid, "Expecting to find password.user.password.");
      auto user = find_named(s, "user", user_ref);
      if (!user || !user->value("enabled", true))
        return unauthorized();
      api_result r;
      r.kdf = std::make_shared<kdf_job>();
      r.kdf->verify = true;
      r.kdf->password = password->get<std::string>();
      r.kdf->hash = str(*user, "_password_hash");
      r.kdf->then = [issue, user_id = str(*user, "id"), expires, scope, catalog,
                     now](bool matched, const std::string&) {
        if (!matched)
          return unauthorized();
        return issue(user_id, {"password"}, expires, scope, catalog, now);
      };
      return r;
    }
    if (has("token")) {
      const auto id = str(identity.value("token", json::object()), "id");
      auto validated = tokens_.validate(id, now);
      auto* t = std::get_if<msg::token_info>(&validated);
      if (!t)
        return unauthorized();
      auto methods_after = t->methods;
      if (std::find(methods_after.begin(), methods_after.end(), "token") == methods_after.end())
        methods_after.push_back("token");
      // A token made from a token never outlives it.
      return issue(t->user_id, methods_after, std::min(expires, static_cast<double>(t->expires_at)),
                   scope, catalog, now);
    }
    if (has("application_credential")) {
      // By id, or by name with its user; the token is scoped to its project.
      const json ref = identity.value("application_credential", json::object());
      const json* credential = nullptr;
      if (auto id = str(ref, "id"); !id.empty()) {
        credential = s.find("application_credential", id);
      } else if (auto user = find_named(s, "user", ref.value("user", json::object()))) {
        for (auto& [id, x] : s.all("application_credential"))
          if (str(x, "user_id") == str(*user, "id") && str(x, "name") == str(ref, "name"))
            credential = &x;
      }
      auto user = credential ? s.find("user", str(*credential, "user_id")) : nullptr;
      if (!credential || !user || !user->value("enabled", true) ||
          !ref.value("secret", json()).is_string())
        return unauthorized();
      const auto expires_at = str(*credential, "expires_at");
      if (!expires_at.empty() && expires_at < token_service::iso_time(static_cast<double>(now)))
        return unauthorized("The application credential has expired.");
      token_payload p;
      p.scope = token_scope::application_credential;
      p.user_id = str(*user, "id");
      p.methods = {"application_credential"};
      p.scope_id = str(*credential, "project_id");
      p.application_credential_id = str(*credential, "id");
      p.expires_at = expires;
      p.audit_id = new_audit_id();
      api_result r;
      r.kdf = std::make_shared<kdf_job>();
      r.kdf->verify = true;
      r.kdf->password = ref["secret"].get<std::string>();
      r.kdf->hash = str(*credential, "_secret_hash");
      r.kdf->then = [sign, p, catalog, now](bool matched, const std::string&) {
        return matched ? sign(p, catalog, now) : unauthorized();
      };
      return r;
    }
    return unauthorized("Unsupported authentication method; use password, token or "
                        "application_credential.");
  };

  // The subject token of GET/HEAD/DELETE /v3/auth/tokens, checked and
  // rendered; the caller may look at its own tokens, admins at anyone's.
  using checked_token = std::pair<msg::token_info, std::string>;
  auto subject = [this](api_call& c) -> std::variant<checked_token, api_result> {
    auto header = c.header("x-subject-token");
    if (!header || header->empty())
      return api_error(msg::errc::invalid, "Expecting to find X-Subject-Token in the headers.");
    auto validated = tokens_.validate_and_render(*header, c.query("nocatalog") == nullptr, c.now);
    auto* t = std::get_if<checked_token>(&validated);
    if (!t)
      return api_error(msg::errc::not_found, "Could not find token: " + *header + ".");
    const auto& roles = c.ctx.caller.roles;
    const bool privileged =
        c.caller_is_admin() || std::find(roles.begin(), roles.end(), "service") != roles.end();
    if (!privileged && t->first.user_id != c.ctx.caller.user_id)
      return api_error(msg::errc::forbidden,
                       "You are not authorized to perform the requested action.");
    return std::move(*t);
  };
  auto validate = [subject](api_call& c) -> api_result {
    auto t = subject(c);
    if (auto* err = std::get_if<api_result>(&t))
      return std::move(*err);
    api_result r;
    r.reply.body = std::move(std::get<checked_token>(t).second);
    r.reply.headers.push_back({"X-Subject-Token", *c.header("x-subject-token")});
    return r;
  };
  operations_["identity:validate_token"] = validate;
  operations_["identity:check_token"] = [validate](api_call& c) -> api_result {
    auto r = validate(c);
    r.reply.body.clear();
    return r;
  };
  operations_["identity:revoke_token"] = [this, subject](api_call& c) -> api_result {
    auto t = subject(c);
    if (auto* err = std::get_if<api_result>(&t))
      return std::move(*err);
    const auto& info = std::get<checked_token>(t).first;
    api_result r = api_no_content();
    r.revoked.push_back(revocation(c.now, info.expires_at, "", "", info.audit_id));
    return r;
  };

  operations_["identity:get_auth_catalog"] = [this](api_call& c) -> api_result {
    auto& who = c.ctx.caller;
    if (who.project_id.empty() && who.domain_id.empty() && who.system_scope.empty())
      return api_error(msg::errc::forbidden, "The catalog needs a scoped token.");
    return api_json(
        200, {{"catalog", tokens_.catalog()}, {"links", list_links(c.base + "/auth/catalog")}});
  };
  for (std::string kind : {"project", "domain"})
    operations_["identity:get_auth_" + kind + "s"] = [&s, kind](api_call& c) -> api_result {
      json out = json::array();
      const auto type = kind == "project" ? target_type::project : target_type::domain;
      for (auto& [id, x] : s.all(kind))
        if (flag(x, "enabled", true) && !s.effective_roles(c.ctx.caller.user_id, type, id).empty())
          out.push_back(render_record(x, c.base + "/" + kind + "s/" + id));
      return api_json(200, {{kind + "s", std::move(out)},
                            {"links", list_links(c.base + "/auth/" + kind + "s")}});
    };
  operations_["identity:get_auth_system"] = [&s](api_call& c) -> api_result {
    json out = json::array();
    if (!s.effective_roles(c.ctx.caller.user_id, target_type::system, "all").empty())
      out.push_back({{"all", true}});
    return api_json(200,
                    {{"system", std::move(out)}, {"links", list_links(c.base + "/auth/system")}});
  };

  // POST /v3/users/{user_id}/password: the original password, then the new one.
  operations_["identity:change_password"] = [this, &s](api_call& c) -> api_result {
    const auto user_id = c.path("user_id");
    auto user = s.find("user", user_id);
    if (!user)
      return api_error(msg::errc::not_found, "Could not find user: " + user_id + ".");
    const json body = c.body.value("user", json::object());
    if (!body.is_object() || !body.value("password", json()).is_string() ||
        !body.value("original_password", json()).is_string())
      return api_error(msg::errc::invalid,
                       "Expecting to find user.password and user.original_password.");
    api_result r;
    r.kdf = std::make_shared<kdf_job>();
    r.kdf->verify = true;
    r.kdf->password = body["original_password"].get<std::string>();
    r.kdf->hash = str(*user, "_password_hash");
    r.kdf->then = [this, &s, user_id, fresh = body["password"].get<std::string>(),
                   now = c.now](bool matched, const std::string&) {
      if (!matched)
        return unauthorized("Error when changing user password: the original password is wrong.");
      api_result next;
      next.kdf = std::make_shared<kdf_job>();
      next.kdf->password = fresh;
      next.kdf->then = [this, &s, user_id, now](bool, const std::string& hash) -> api_result {
        auto user = s.find("user", user_id);
        if (!user)
          return api_error(msg::errc::not_found, "Could not find user: " + user_id + ".");
        json record = *user;
        record["_password_hash"] = hash;
        api_result done = api_no_content();
        done.changes.push_back({"user", user_id, record});
        done.revoked.push_back(revocation(now, now + settings_.token_ttl_seconds, user_id, ""));
        return done;
      };
      return next;
    };
    return r;
  };

  // -- application credentials: /v3/users/{user_id}/application_credentials[/{id}]
  operations_["identity:create_application_credential"] = [&s](api_call& c) -> api_result {
    const auto user_id = c.path("user_id");
    if (!s.find("user", user_id))
      return api_error(msg::errc::not_found, "Could not find user: " + user_id + ".");
    if (c.ctx.caller.project_id.empty())
      return api_error(msg::errc::forbidden,
                       "Application credentials need a project-scoped token.");
    const json body = c.body.value("application_credential", json());
    if (!body.is_object() || str(body, "name").empty())
      return api_error(msg::errc::invalid, "Expecting to find application_credential.name.");
    for (auto& [id, x] : s.all("application_credential"))
      if (str(x, "user_id") == user_id && str(x, "name") == str(body, "name"))
        return api_error(msg::errc::conflict, "An application credential named " +
                                                  str(body, "name") + " already exists.");
    std::string secret = str(body, "secret");
    if (secret.empty())
      secret = new_audit_id() + new_audit_id();
    // The roles asked for (by id or name), each one the caller holds; all of
    // the caller's roles when none are named.
    json roles = json::array();
    auto held = [&c](const std::string& name) {
      auto& mine = c.ctx.caller.roles;
      return std::find(mine.begin(), mine.end(), name) != mine.end();
    };
    const json asked = body.value("roles", json::array());
    if (!asked.is_array())
      return api_error(msg::errc::invalid, "application_credential.roles must be a list.");
    for (auto& ref : asked) {
      auto role = ref.is_object()
                      ? (str(ref, "id").empty() ? s.find_by("role", "name", str(ref, "name"))
                                                : s.find("role", str(ref, "id")))
                      : nullptr;
      if (!role || !held(str(*role, "name")))
        return api_error(msg::errc::forbidden, "An application credential can only carry roles "
                                               "its creator holds on the project.");
      roles.push_back({{"id", str(*role, "id")}, {"name", str(*role, "name")}});
    }
    if (asked.empty())
      for (auto& name : c.ctx.caller.roles)
        if (auto role = s.find_by("role", "name", name))
          roles.push_back({{"id", str(*role, "id")}, {"name", name}});
    json record{{"id", new_id()},
                {"name", str(body, "name")},
                {"description", body.value("description", json(nullptr))},
                {"user_id", user_id},
                {"project_id", c.ctx.caller.project_id},
                {"expires_at", body.value("expires_at", json(nullptr))},
                {"unrestricted", flag(body, "unrestricted", false)},
                {"roles", roles}};
    api_result r;
    r.kdf = std::make_shared<kdf_job>();
    r.kdf->password = secret;
    r.kdf->then = [record, secret, base = c.base](bool, const std::string& hash) mutable {
      const auto url = base + "/users/" + str(record, "user_id") + "/application_credentials/" +
                       str(record, "id");
      json shown = render_record(record, url);
      shown["secret"] = secret; // shown once, never again
      record["_secret_hash"] = hash;
      api_result done = api_json(201, {{"application_credential", shown}});
      done.changes.push_back({"application_credential", str(record, "id"), record});
      return done;
    };
    return r;
  };
  auto owned_credential = [&s](api_call& c) -> const json* {
    auto x = s.find("application_credential", c.path("application_credential_id"));
    return x && str(*x, "user_id") == c.path("user_id") ? x : nullptr;
  };
  operations_["identity:list_application_credentials"] = [&s](api_call& c) {
    json out = json::array();
    const auto base = c.base + "/users/" + c.path("user_id") + "/application_credentials";
    for (auto& [id, x] : s.all("application_credential"))
      if (str(x, "user_id") == c.path("user_id") &&
          (!c.query("name") || *c.query("name") == str(x, "name")))
        out.push_back(render_record(x, base + "/" + id));
    return api_json(200,
                    {{"application_credentials", std::move(out)}, {"links", list_links(base)}});
  };
  operations_["identity:get_application_credential"] = [owned_credential](api_call& c) {
    auto x = owned_credential(c);
    if (!x)
      return api_error(msg::errc::not_found, "Could not find application credential: " +
                                                 c.path("application_credential_id") + ".");
    return api_json(200, {{"application_credential",
                           render_record(*x, c.base + "/users/" + c.path("user_id") +
                                                 "/application_credentials/" + str(*x, "id"))}});
  };
  operations_["identity:delete_application_credential"] = [this, owned_credential](api_call& c) -> api_result {
    auto x = owned_credential(c);
    if (!x)
      return api_error(msg::errc::not_found, "Could not find application credential: " +
                                                 c.path("application_credential_id") + ".");
    api_result r = api_no_content();
    r.changes.push_back({"application_credential", str(*x, "id"), std::nullopt});
    auto e = revocation(c.now, c.now + settings_.token_ttl_seconds, str(*x, "user_id"), "");
    e.application_credential_id = str(*x, "id"); // its tokens only, not all of the user's
    r.revoked.push_back(e);
    return r;
  };

  // -- trusts: none are ever created here yet; listing answers honestly.
  operations_["identity:list_trusts"] = [](api_call& c) {
    return api_json(
        200, {{"trusts", json::array()}, {"links", list_links(c.base + "/OS-TRUST/trusts")}});
  };
}

} // namespace stratus::identity
