// Create, list, show, update and delete of the plain Keystone v3 resources:
// domains, projects, users, groups, roles, regions, services, endpoints,
// credentials and policies (https://docs.openstack.org/api-ref/identity/v3/).
// One description per kind drives all five operations; what differs between
// kinds (parents, cascades, passwords) is spelt out below it.

#include <algorithm>
#include <set>

#include "actors/common/comma_list.hpp"
#include "actors/identity/identity_api.hpp"

namespace stratus::identity {
namespace {

enum class name_scope { none, global, domain };

struct resource_kind {
  std::string kind;       // also the JSON member name ("project")
  std::string collection; // "projects"
  name_scope unique = name_scope::none;
  bool client_chooses_id = false;
  std::vector<std::string> required = {};
  json defaults = json::object();
  std::vector<std::string> filters = {};   // exact-match list filters
  std::vector<std::string> immutable = {}; // refused in updates
};

const std::vector<resource_kind>& resource_kinds() {
  static const std::vector<resource_kind> kinds{
      {.kind = "domain",
       .collection = "domains",
       .unique = name_scope::global,
       .required = {"name"},
       .defaults = {{"enabled", true},
                    {"description", ""},
                    {"tags", json::array()},
                    {"options", json::object()}},
       .filters = {"name", "enabled"}},
      {.kind = "project",
       .collection = "projects",
       .unique = name_scope::domain,
       .required = {"name"},
       .defaults = {{"enabled", true},
                    {"description", ""},
                    {"is_domain", false},
                    {"tags", json::array()},
                    {"options", json::object()}},
       .filters = {"name", "enabled", "domain_id", "parent_id", "is_domain"},
       .immutable = {"domain_id", "is_domain"}},
      {.kind = "user",
       .collection = "users",
       .unique = name_scope::domain,
       .required = {"name"},
       .defaults = {{"enabled", true},
                    {"options", json::object()},
                    {"password_expires_at", nullptr}},
       .filters = {"name", "enabled", "domain_id"},
       .immutable = {"domain_id"}},
      {.kind = "group",
       .collection = "groups",
       .unique = name_scope::domain,
       .required = {"name"},
       .defaults = {{"description", ""}},
       .filters = {"name", "domain_id"},
       .immutable = {"domain_id"}},
      {.kind = "role",
       .collection = "roles",
       .unique = name_scope::global,
       .required = {"name"},
       .defaults = {{"domain_id", nullptr}, {"description", ""}, {"options", json::object()}},
       .filters = {"name", "domain_id"},
       .immutable = {"domain_id"}},
      {.kind = "region",
       .collection = "regions",
       .client_chooses_id = true,
       .defaults = {{"description", ""}, {"parent_region_id", nullptr}},
       .filters = {"parent_region_id"}},
      {.kind = "service",
       .collection = "services",
       .required = {"type"},
       .defaults = {{"enabled", true}, {"name", ""}, {"description", ""}},
       .filters = {"type", "name"}},
      {.kind = "endpoint",
       .collection = "endpoints",
       .required = {"url", "interface", "service_id"},
       .defaults = {{"enabled", true}, {"region_id", nullptr}},
       .filters = {"interface", "service_id", "region_id"}},
      {.kind = "credential",
       .collection = "credentials",
       .required = {"user_id", "type", "blob"},
       .defaults = {{"project_id", nullptr}},
       .filters = {"user_id", "type"}},
      {.kind = "policy",
       .collection = "policies",
       .required = {"blob", "type"},
       .defaults = json::object(),
       .filters = {"type"}},
  };
  return kinds;
}

/// The record as clients see it: no private attributes, with its links.
json render(const resource_kind& k, const json& record, const std::string& base) {
  json out = render_record(record, base + "/" + k.collection + "/" + str(record, "id"));
  if (k.kind == "endpoint")
    out["region"] = record.value("region_id", json(nullptr)); // the pre-v3.2 name
  return out;
}

/// A query value compared with an attribute: booleans as Keystone parses
/// them ("true", "1", "yes"), everything else as text.
bool filter_matches(const json& value, const std::string& wanted) {
  if (value.is_boolean()) {
    std::string w = wanted;
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool truthy = w == "true" || w == "1" || w == "yes" || w == "on";
    return value.get<bool>() == truthy;
  }
  if (value.is_string())
    return value.get<std::string>() == wanted;
  if (value.is_null())
    return wanted.empty() || wanted == "null" || wanted == "None";
  return value.dump() == wanted;
}

/// A 400 for an attribute of the wrong type (Keystone's JSON schemas): bad
/// types never reach the store, where every reader would trip on them.
std::optional<api_result> wrong_type(const json& attrs) {
  static const std::set<std::string> booleans{"enabled", "is_domain", "unrestricted"};
  static const std::set<std::string> strings_or_null{
      "description", "domain_id",  "parent_id",  "default_project_id", "type",
      "url",         "interface",  "service_id", "region_id",          "region",
      "user_id",     "project_id", "blob",       "parent_region_id"};
  auto invalid = [](const std::string& field, const std::string& why) {
    return api_error(msg::errc::invalid, "Invalid input for field '" + field + "': " + why + ".");
  };
  for (auto& [key, value] : attrs.items()) {
    if (booleans.count(key) && !value.is_boolean())
      return invalid(key, value.dump() + " is not of type 'boolean'");
    if (strings_or_null.count(key) && !value.is_string() && !value.is_null())
      return invalid(key, value.dump() + " is not of type 'string'");
    if (key == "name" && (!value.is_string() || value.get_ref<const std::string&>().size() > 255))
      return invalid(key, "a string of at most 255 characters is required");
    if (key == "options" && !value.is_object())
      return invalid(key, value.dump() + " is not of type 'object'");
    if (key == "tags") {
      if (!value.is_array() || value.size() > 80)
        return invalid(key, "a list of at most 80 tags is required");
      for (auto& tag : value)
        if (!tag.is_string() || tag.get_ref<const std::string&>().empty() ||
            tag.get_ref<const std::string&>().size() > 255 ||
            tag.get_ref<const std::string&>().find_first_of("/,") != std::string::npos)
          return invalid(key, "tags are 1-255 characters, without '/' or ','");
    }
  }
  return std::nullopt;
}

/// The project list filters on tags: `tags` (all of), `tags-any`,
/// `not-tags` (not all of), `not-tags-any` (none of); comma-separated.
bool tags_match(const json& project, const api_call& c) {
  const auto have = strings(project, "tags");
  auto has = [&have](const std::string& t) {
    return std::find(have.begin(), have.end(), t) != have.end();
  };
  auto all_of = [&](const std::string* q) {
    auto wanted = api_support::comma_list(*q);
    return std::all_of(wanted.begin(), wanted.end(), has);
  };
  auto any_of = [&](const std::string* q) {
    auto wanted = api_support::comma_list(*q);
    return std::any_of(wanted.begin(), wanted.end(), has);
  };
  if (auto q = c.query("tags"); q && !all_of(q))
    return false;
  if (auto q = c.query("tags-any"); q && !any_of(q))
    return false;
  if (auto q = c.query("not-tags"); q && all_of(q))
    return false;
  if (auto q = c.query("not-tags-any"); q && any_of(q))
    return false;
  return true;
}

/// Every record that depends on kind/id and goes with it.
std::vector<store_change> cascade(const identity_store& s, const std::string& kind,
                                  const std::string& id) {
  std::vector<store_change> out;
  auto erase = [&out](const std::string& k, const std::string& i) {
    out.push_back({k, i, std::nullopt});
  };
  for (auto& [aid, a] : s.all("assignment"))
    if (str(a, "actor_id") == id || str(a, "target_id") == id || str(a, "role_id") == id)
      erase("assignment", aid);
  for (auto& [mid, m] : s.all("membership"))
    if (str(m, "user_id") == id || str(m, "group_id") == id)
      erase("membership", mid);
  for (auto& [iid, i] : s.all("implied_role"))
    if (str(i, "prior_role_id") == id || str(i, "implied_role_id") == id)
      erase("implied_role", iid);
  if (kind == "service")
    for (auto& [eid, e] : s.all("endpoint"))
      if (str(e, "service_id") == id)
        erase("endpoint", eid);
  if (kind == "user") {
    for (auto& [cid, c] : s.all("credential"))
      if (str(c, "user_id") == id)
        erase("credential", cid);
    for (auto& [cid, c] : s.all("application_credential"))
      if (str(c, "user_id") == id)
        erase("application_credential", cid);
  }
  if (kind == "domain")
    for (const char* owned : {"project", "user", "group"})
      for (auto& [oid, o] : s.all(owned))
        if (str(o, "domain_id") == id) {
          erase(owned, oid);
          auto more = cascade(s, owned, oid);
          out.insert(out.end(), more.begin(), more.end());
        }
  return out;
}

/// Revokes every token of a user, or every token scoped to a project.
msg::revocation_event revoke_all_of(const std::string& kind, const std::string& id, int64_t now,
                                    int64_t ttl) {
  return kind == "user" ? revocation(now, now + ttl, id, "") : revocation(now, now + ttl, "", id);
}

class resource_operations {
public:
  resource_operations(identity_api& api, const resource_kind& kind) : api_(api), k_(kind) {}

  api_result list(api_call& c) const {
    json items = json::array();
    for (auto& [id, r] : api_.store().all(k_.kind)) {
      bool keep = true;
      for (auto& f : k_.filters)
        if (auto wanted = c.query(f)) {
          auto v = r.find(f);
          keep = keep && v != r.end() && filter_matches(*v, *wanted);
        }
      if (keep && k_.kind == "project")
        keep = tags_match(r, c);
      if (keep)
        items.push_back(render(k_, r, c.base));
    }
    return api_json(200, {{k_.collection, std::move(items)},
                          {"links", list_links(c.base + "/" + k_.collection)}});
  }

  api_result show(api_call& c) const {
    auto r = api_.store().find(k_.kind, c.path(k_.kind + "_id"));
    if (!r)
      return not_found(c.path(k_.kind + "_id"));
    return api_json(200, {{k_.kind, render(k_, *r, c.base)}});
  }

  api_result create(api_call& c) const {
    auto checked = checked_body(c);
    if (auto* problem = std::get_if<api_result>(&checked))
      return std::move(*problem);
    const json* body = std::get<const json*>(checked);
    json record = k_.defaults;
    for (auto& [key, value] : body->items())
      if (!key.starts_with("_"))
        record[key] = value;
    if (k_.client_chooses_id && !c.path(k_.kind + "_id").empty())
      record["id"] = c.path(k_.kind + "_id"); // PUT /v3/regions/{region_id}
    if (!k_.client_chooses_id || str(record, "id").empty())
      record["id"] = new_id();
    if (api_.store().find(k_.kind, str(record, "id")))
      return api_error(msg::errc::conflict, "Duplicate ID, " + str(record, "id") + ".");
    for (auto& attr : k_.required)
      if (str(record, attr.c_str()).empty())
        return api_error(msg::errc::invalid,
                         "Invalid input for field '" + attr + "': a non-empty string is required.");
    std::optional<std::string> password;
    if (auto pw = record.find("password"); pw != record.end()) {
      if (!pw->is_null() && !pw->is_string())
        return api_error(msg::errc::invalid, "Invalid input for field 'password'.");
      if (pw->is_string())
        password = pw->get<std::string>();
      record.erase("password");
    }
    std::vector<store_change> also;
    if (auto problem = complete(c, record, also))
      return std::move(*problem);
    auto finish = [this, record, also, base = c.base](const std::string& hash) mutable {
      return save(201, std::move(record), std::move(also), hash, "", base);
    };
    if (!password)
      return finish("");
    return hash_then(*password, std::move(finish));
  }

  api_result update(api_call& c) const {
    const std::string id = c.path(k_.kind + "_id");
    auto current = api_.store().find(k_.kind, id);
    if (!current)
      return not_found(id);
    auto checked = checked_body(c);
    if (auto* problem = std::get_if<api_result>(&checked))
      return std::move(*problem);
    const json* body = std::get<const json*>(checked);
    json record = *current;
    std::vector<store_change> also;
    std::optional<std::string> password;
    for (auto& [key, value] : body->items()) {
      if (key.starts_with("_"))
        continue;
      if (key == "id" && value != record["id"])
        return api_error(msg::errc::invalid, "Cannot change the ID of a " + k_.kind + ".");
      if (std::find(k_.immutable.begin(), k_.immutable.end(), key) != k_.immutable.end() &&
          value != record.value(key, json(nullptr)))
        return api_error(msg::errc::invalid, "Cannot change " + key + " of a " + k_.kind + ".");
      if (k_.kind == "endpoint" && key == "region") { // the pre-v3.2 name, created if missing
        record["region_id"] = value;
        if (value.is_string() && !api_.store().find("region", value.get<std::string>()))
          also.push_back({"region", value.get<std::string>(),
                          json{{"id", value}, {"description", ""}, {"parent_region_id", nullptr}}});
        continue;
      }
      if (k_.kind == "user" && key == "password") {
        if (!value.is_string())
          return api_error(msg::errc::invalid, "Invalid input for field 'password'.");
        password = value.get<std::string>();
        continue;
      }
      record[key] = value;
    }
    for (auto& attr : k_.required)
      if (str(record, attr.c_str()).empty())
        return api_error(msg::errc::invalid, "Invalid input for field '" + attr + "'.");
    const bool disabled = flag(*current, "enabled", true) && !flag(record, "enabled", true);
    auto finish = [this, record, also, disabled, now = c.now,
                   base = c.base](const std::string& hash) mutable {
      const auto id = str(record, "id");
      auto r = save(200, std::move(record), std::move(also), hash, id, base);
      if (r.error)
        return r;
      // A disabled user or project, or a new password: its tokens stop working.
      if ((disabled || !hash.empty()) && (k_.kind == "user" || k_.kind == "project"))
        r.revoked.push_back(revoke_all_of(k_.kind, id, now, api_.settings().token_ttl_seconds));
      return r;
    };
    if (!password)
      return finish("");
    return hash_then(*password, std::move(finish));
  }

  api_result remove(api_call& c) const {
    const std::string id = c.path(k_.kind + "_id");
    auto current = api_.store().find(k_.kind, id);
    if (!current)
      return not_found(id);
    if (k_.kind == "domain" && flag(*current, "enabled", true))
      return api_error(msg::errc::forbidden,
                       "Cannot delete a domain that is enabled, please disable it first.");
    if (k_.kind == "project")
      for (auto& [pid, p] : api_.store().all("project"))
        if (str(p, "parent_id") == id)
          return api_error(msg::errc::forbidden, "Cannot delete the project " + id +
                                                     " since it is not a leaf in the hierarchy.");
    if (k_.kind == "region")
      for (auto& [eid, e] : api_.store().all("endpoint"))
        if (str(e, "region_id") == id)
          return api_error(msg::errc::conflict, "Region " + id + " still has endpoints.");
    api_result r = api_no_content();
    r.changes.push_back({k_.kind, id, std::nullopt});
    auto more = cascade(api_.store(), k_.kind, id);
    r.changes.insert(r.changes.end(), more.begin(), more.end());
    if (k_.kind == "user" || k_.kind == "project")
      r.revoked.push_back(revoke_all_of(k_.kind, id, c.now, api_.settings().token_ttl_seconds));
    return r;
  }

private:
  /// The request's object for this kind ({"project": {...}}), its
  /// attributes of the right types, or the 400 saying what is wrong.
  std::variant<const json*, api_result> checked_body(const api_call& c) const {
    auto body = c.body.find(k_.kind);
    if (body == c.body.end() || !body->is_object())
      return api_error(msg::errc::invalid, "Expecting to find " + k_.kind + " in request body.");
    if (auto problem = wrong_type(*body))
      return std::move(*problem);
    if (auto problem = name_too_long(*body))
      return std::move(*problem);
    return &*body;
  }

  /// Writes `record` (with the records it needs, and its password hash if
  /// one was made) unless its name is taken; answers `status` with it.
  api_result save(uint16_t status, json record, std::vector<store_change> also,
                  const std::string& hash, const std::string& self, const std::string& base) const {
    if (!hash.empty())
      record["_password_hash"] = hash;
    if (auto dup = duplicate(record, self))
      return std::move(*dup);
    api_result r = api_json(status, {{k_.kind, render(k_, record, base)}});
    r.changes = std::move(also);
    r.changes.push_back({k_.kind, str(record, "id"), std::move(record)});
    return r;
  }

  /// Domain and project names are at most 64 characters (Keystone's schema).
  std::optional<api_result> name_too_long(const json& attrs) const {
    if ((k_.kind == "domain" || k_.kind == "project") && str(attrs, "name").size() > 64)
      return api_error(msg::errc::invalid,
                       "Invalid input for field 'name': at most 64 characters.");
    return std::nullopt;
  }

  api_result not_found(const std::string& id) const {
    return api_error(msg::errc::not_found, "Could not find " + k_.kind + ": " + id + ".");
  }

  /// Fills in and checks the references a new record makes.
  /// `also`: records the new one needs created with it.
  std::optional<api_result> complete(api_call& c, json& record,
                                     std::vector<store_change>& also) const {
    auto& s = api_.store();
    if (k_.unique == name_scope::domain) {
      if (str(record, "domain_id").empty())
        record["domain_id"] = c.ctx.caller.domain_id.empty() ? "default" : c.ctx.caller.domain_id;
      if (!s.find("domain", str(record, "domain_id")))
        return api_error(msg::errc::not_found,
                         "Could not find domain: " + str(record, "domain_id") + ".");
    }
    if (k_.kind == "project") {
      if (str(record, "parent_id").empty())
        record["parent_id"] = record["domain_id"];
      else if (auto parent = s.find("project", str(record, "parent_id")); !parent)
        return api_error(msg::errc::not_found,
                         "Could not find project: " + str(record, "parent_id") + ".");
      else if (str(*parent, "domain_id") != str(record, "domain_id"))
        return api_error(msg::errc::invalid, "A project's parent must be in its domain.");
      if (!record["tags"].is_array())
        return api_error(msg::errc::invalid, "Invalid input for field 'tags'.");
    }
    if (k_.kind == "endpoint") {
      if (record.contains("region") && record["region_id"].is_null()) {
        // The pre-v3.2 `region` names a region Keystone creates if missing.
        record["region_id"] = record["region"];
        const auto region = str(record, "region");
        if (!region.empty() && !s.find("region", region))
          also.push_back(
              {"region", region,
               json{{"id", region}, {"description", ""}, {"parent_region_id", nullptr}}});
      }
      record.erase("region");
      const auto interface = str(record, "interface");
      if (interface != "public" && interface != "internal" && interface != "admin")
        return api_error(msg::errc::invalid,
                         "Invalid input for field 'interface': public, internal or admin.");
      if (!s.find("service", str(record, "service_id")))
        return api_error(msg::errc::invalid,
                         "Could not find service: " + str(record, "service_id") + ".");
      if (!record["region_id"].is_null() && !s.find("region", str(record, "region_id")) &&
          also.empty())
        return api_error(msg::errc::invalid,
                         "Could not find region: " + str(record, "region_id") + ".");
    }
    if (k_.kind == "credential" && !s.find("user", str(record, "user_id")))
      return api_error(msg::errc::invalid, "Could not find user: " + str(record, "user_id") + ".");
    return std::nullopt;
  }

  /// A conflict if another record of the kind has the same name in scope.
  std::optional<api_result> duplicate(const json& record, const std::string& self) const {
    if (k_.unique == name_scope::none)
      return std::nullopt;
    const auto name = str(record, "name");
    for (auto& [id, other] : api_.store().all(k_.kind)) {
      if (id == self || str(other, "name") != name)
        continue;
      if (k_.unique == name_scope::domain && str(other, "domain_id") != str(record, "domain_id"))
        continue;
      if (k_.kind == "role" && other.value("domain_id", json(nullptr)) != record["domain_id"])
        continue;
      std::string where = k_.unique == name_scope::domain
                              ? " at domain ID " + str(record, "domain_id")
                              : std::string{};
      return api_error(msg::errc::conflict, "Conflict occurred attempting to store " + k_.kind +
                                                " - Duplicate entry found with name " + name +
                                                where + ".");
    }
    return std::nullopt;
  }

  template <class F> api_result hash_then(std::string password, F finish) const {
    api_result r;
    r.kdf = std::make_shared<kdf_job>();
    r.kdf->password = std::move(password);
    r.kdf->then = [finish = std::move(finish)](bool, const std::string& hash) mutable {
      return finish(hash);
    };
    return r;
  }

  identity_api& api_;
  const resource_kind& k_;
};

} // namespace

void identity_api::add_resource_operations() {
  for (auto& kind : resource_kinds()) {
    auto ops = std::make_shared<resource_operations>(*this, kind);
    operations_["identity:list_" + kind.collection] = [ops](api_call& c) { return ops->list(c); };
    operations_["identity:get_" + kind.kind] = [ops](api_call& c) { return ops->show(c); };
    operations_["identity:create_" + kind.kind] = [ops](api_call& c) { return ops->create(c); };
    operations_["identity:update_" + kind.kind] = [ops](api_call& c) { return ops->update(c); };
    operations_["identity:delete_" + kind.kind] = [ops](api_call& c) { return ops->remove(c); };
  }
}

} // namespace stratus::identity
