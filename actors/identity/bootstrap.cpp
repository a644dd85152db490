#include "actors/identity/bootstrap.hpp"

#include "actors/identity/identity_api.hpp"

namespace stratus::identity {
namespace {

/// The services every Stratus cloud offers, with their path on the gateway.
struct service_entry {
  const char* type;
  const char* name;
  const char* path;
};
constexpr service_entry cloud_services[] = {
    {"identity", "keystone", "/identity"},    {"image", "glance", "/image"},
    {"compute", "nova", "/compute/v2.1"},     {"network", "neutron", "/network"},
    {"placement", "placement", "/placement"},
};

class bootstrapper {
public:
  bootstrapper(const identity_store& s, const bootstrap_settings& b) : s_(s), b_(b) {}

  std::vector<store_change> run(const std::string& admin_hash) {
    if (!s_.find("domain", "default"))
      add("domain", "default",
          {{"name", "Default"},
           {"description", "The default domain"},
           {"enabled", true},
           {"tags", json::array()},
           {"options", json::object()}});
    const std::string project =
        ensure("project", b_.admin_project,
               {{"description", "Bootstrap project for the cloud's administrators"},
                {"domain_id", "default"},
                {"parent_id", "default"},
                {"enabled", true},
                {"is_domain", false},
                {"tags", json::array()},
                {"options", json::object()}});
    const std::string user = ensure("user", b_.admin_user,
                                    {{"domain_id", "default"},
                                     {"enabled", true},
                                     {"default_project_id", project},
                                     {"options", json::object()},
                                     {"password_expires_at", nullptr},
                                     {"_password_hash", admin_hash}});
    std::string roles[3];
    const char* names[3] = {"admin", "member", "reader"};
    for (int i = 0; i < 3; ++i)
      roles[i] = ensure("role", names[i],
                        {{"domain_id", nullptr}, {"description", ""}, {"options", json::object()}});
    for (int i = 0; i < 2; ++i)
      ensure_id("implied_role", roles[i] + ":" + roles[i + 1],
                {{"prior_role_id", roles[i]}, {"implied_role_id", roles[i + 1]}});
    ensure_id("assignment", assignment_id("UserProject", user, project, roles[0]),
              {{"type", "UserProject"},
               {"actor_id", user},
               {"target_id", project},
               {"role_id", roles[0]},
               {"inherited", false}});
    ensure_id("assignment", assignment_id("UserSystem", user, "all", roles[0]),
              {{"type", "UserSystem"},
               {"actor_id", user},
               {"target_id", "all"},
               {"role_id", roles[0]},
               {"inherited", false}});
    ensure_id("region", b_.region,
              {{"id", b_.region}, {"description", ""}, {"parent_region_id", nullptr}});
    for (auto& svc : cloud_services) {
      const std::string service =
          ensure_by("service", "type", svc.type,
                    {{"name", svc.name}, {"enabled", true}, {"description", ""}});
      for (const char* interface : {"public", "internal", "admin"})
        ensure_endpoint(service, interface, b_.public_url + svc.path);
    }
    return std::move(changes_);
  }

private:
  const json* pending(const std::string& kind, const std::string& attr, const std::string& value) {
    for (auto& c : changes_)
      if (c.kind == kind && c.value && c.value->value(attr, "") == value)
        return &*c.value;
    return s_.find_by(kind, attr, value);
  }

  void add(const std::string& kind, const std::string& id, json record) {
    record["id"] = id;
    changes_.push_back({kind, id, std::move(record)});
  }

  /// The id of the record of `kind` named `name`, created if missing.
  std::string ensure(const std::string& kind, const std::string& name, json record) {
    record["name"] = name;
    return ensure_by(kind, "name", name, std::move(record));
  }

  std::string ensure_by(const std::string& kind, const std::string& attr, const std::string& value,
                        json record) {
    if (auto existing = pending(kind, attr, value))
      return existing->value("id", "");
    const auto id = new_id();
    record[attr] = value;
    add(kind, id, std::move(record));
    return id;
  }

  void ensure_id(const std::string& kind, const std::string& id, json record) {
    if (!s_.find(kind, id))
      add(kind, id, std::move(record));
  }

  void ensure_endpoint(const std::string& service, const std::string& interface,
                       const std::string& url) {
    for (auto& [id, e] : s_.all("endpoint"))
      if (str(e, "service_id") == service && str(e, "interface") == interface)
        return;
    add("endpoint", new_id(),
        {{"service_id", service},
         {"interface", interface},
         {"url", url},
         {"region_id", b_.region},
         {"enabled", true}});
  }

  const identity_store& s_;
  const bootstrap_settings& b_;
  std::vector<store_change> changes_;
};

} // namespace

std::vector<store_change> bootstrap_changes(const identity_store& store,
                                            const bootstrap_settings& settings,
                                            const std::string& admin_password_hash) {
  return bootstrapper(store, settings).run(admin_password_hash);
}

bool needs_bootstrap(const identity_store& store, const bootstrap_settings& settings) {
  return !bootstrap_changes(store, settings, "").empty();
}

} // namespace stratus::identity
