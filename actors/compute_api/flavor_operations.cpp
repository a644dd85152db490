// Flavors, their extra specs and access lists.
// https://docs.openstack.org/api-ref/compute/#flavors

#include <algorithm>
#include <cmath>
#include <regex>

#include "actors/compute_api/compute_api.hpp"
#include "actors/compute_api/paging.hpp"
#include "runtime/random_id.hpp"

namespace stratus::compute {
namespace {

json flavor_links(const compute_call& c, const std::string& id) {
  const std::string base = c.call.req.base_url + "/compute";
  return json::array({{{"rel", "self"}, {"href", base + "/v2.1/flavors/" + id}},
                      {{"rel", "bookmark"}, {"href", base + "/flavors/" + id}}});
}

json render_flavor(const compute_call& c, const json& f, bool detail) {
  const std::string id = str(f, "id");
  json out{{"id", id}, {"name", str(f, "name")}, {"links", flavor_links(c, id)}};
  if (c.at_least(55))
    out["description"] = f.value("description", json());
  if (!detail)
    return out;
  out["ram"] = count(f, "ram");
  out["vcpus"] = count(f, "vcpus");
  out["disk"] = count(f, "disk");
  out["OS-FLV-EXT-DATA:ephemeral"] = count(f, "ephemeral");
  const auto swap = count(f, "swap");
  out["swap"] = swap == 0 && !c.at_least(75) ? json("") : json(swap);
  out["rxtx_factor"] = f.value("rxtx_factor", 1.0);
  out["OS-FLV-DISABLED:disabled"] = false;
  out["os-flavor-access:is_public"] = flag(f, "is_public", true);
  if (c.at_least(61))
    out["extra_specs"] = f.value("extra_specs", json::object());
  return out;
}

/// Whether the caller may see the flavor: public ones, or those shared
/// with the caller's project; admins see all.
bool visible(const compute_call& c, const json& f) {
  if (c.admin() || flag(f, "is_public", true))
    return true;
  const auto projects = json_fields::strings(f, "projects");
  return std::find(projects.begin(), projects.end(), c.call.ctx.caller.project_id) != projects.end();
}

/// A non-negative integer attribute of the create body (Nova accepts
/// integers and integer strings), or the 400 answer.
std::optional<compute_result> whole_number(const json& body, const char* key, int64_t min,
                                           int64_t max, bool required, int64_t& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required)
      return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute flavor. "
                                                       "Value: "} + key + " is a required property");
    return std::nullopt;
  }
  int64_t v = 0;
  if (it->is_number_integer())
    v = it->get<int64_t>();
  else if (it->is_string() && !it->get<std::string>().empty() &&
           it->get<std::string>().find_first_not_of("0123456789") == std::string::npos &&
           it->get<std::string>().size() < 12)
    v = std::stoll(it->get<std::string>());
  else
    return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute "} + key +
                                             ". Value: " + it->dump() + ". It is not an integer");
  if (v < min || v > max)
    return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute "} + key +
                                             ". Value: " + it->dump() + ". out of range");
  out = v;
  return std::nullopt;
}

std::optional<compute_result> check_extra_specs(const json& specs) {
  if (!specs.is_object())
    return api_error(msg::errc::invalid, "Invalid input for field/attribute extra_specs. Value: "
                                         "not an object");
  for (auto& [k, v] : specs.items()) {
    if (k.empty() || k.size() > 255 || !(v.is_string() || v.is_number() || v.is_boolean()))
      return api_error(msg::errc::invalid, "Invalid input for field/attribute extra_specs. "
                                           "Value: " + k);
    if (v.is_string() && v.get<std::string>().size() > 255)
      return api_error(msg::errc::invalid, "Invalid input for field/attribute extra_specs: the "
                                           "value of " + k + " is too long");
  }
  return std::nullopt;
}

std::string spec_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace

void compute_api::add_flavor_operations() {
  auto list = [this](compute_call& c, bool detail) -> compute_result {
    // is_public: True (default for users), False, None (all; admins only).
    const std::string is_public = query(c, "is_public");
    std::vector<const json*> picked;
    const auto min_ram = std::strtoull(query(c, "minRam").c_str(), nullptr, 10);
    const auto min_disk = std::strtoull(query(c, "minDisk").c_str(), nullptr, 10);
    for (auto& [id, f] : catalog_.flavors()) {
      if (!visible(c, f))
        continue;
      // Public ones by default; admins may ask for private ones (False)
      // or all (None); users also see private ones shared with them.
      const bool pub = flag(f, "is_public", true);
      const auto wanted = boolean_of(json(is_public));
      if (c.admin() && is_public != "None" && is_public != "none" && pub != wanted.value_or(true))
        continue;
      if (count(f, "ram") < min_ram || count(f, "disk") < min_disk)
        continue;
      picked.push_back(&f);
    }
    const std::string key = query(c, "sort_key").empty() ? "flavorid" : query(c, "sort_key");
    const bool desc = query(c, "sort_dir") == "desc";
    static const std::vector<std::string> keys{"created_at", "description", "disabled", "ephemeral_gb",
                                               "flavorid", "id", "is_public", "memory_mb", "name",
                                               "root_gb", "rxtx_factor", "swap", "updated_at",
                                               "vcpu_weight", "vcpus"};
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute sort_key. Value: " + key);
    auto field = [&](const json& f) -> json {
      if (key == "memory_mb")
        return f.value("ram", 0);
      if (key == "root_gb")
        return f.value("disk", 0);
      if (key == "ephemeral_gb")
        return f.value("ephemeral", 0);
      if (key == "flavorid" || key == "id")
        return f.value("id", "");
      return f.value(key, json());
    };
    std::stable_sort(picked.begin(), picked.end(), [&](const json* a, const json* b) {
      return desc ? field(*b) < field(*a) : field(*a) < field(*b);
    });
    auto page = paginate<const json*>(c, picked, [](const json* const& f) { return str(*f, "id"); },
                                      settings_.max_limit);
    if (page.error)
      return *page.error;
    json out = json::array();
    for (auto* f : page.items)
      out.push_back(render_flavor(c, *f, detail));
    json body{{"flavors", out}};
    if (page.more)
      body["flavors_links"] = next_link(c, detail ? "/flavors/detail" : "/flavors", page.last_id);
    return api_json(200, body);
  };
  add("os_compute_api:flavors:index", [list](compute_call& c) { return list(c, false); });
  add("os_compute_api:flavors:detail", [list](compute_call& c) { return list(c, true); });

  add("os_compute_api:flavors:show", [this](compute_call& c) -> compute_result {
    const json* f = catalog_.flavor(c.call.path("flavor_id"));
    if (!f || !visible(c, *f))
      return api_error(msg::errc::not_found, "Flavor " + c.call.path("flavor_id") + " could not be found.");
    return api_json(200, {{"flavor", render_flavor(c, *f, true)}});
  });

  add("os_compute_api:os-flavor-manage:create", [this](compute_call& c) -> compute_result {
    const json body = c.call.body.value("flavor", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute flavor. Value: None.");
    const std::string name = str(body, "name");
    if (name.empty() || name.size() > 255 || name.front() == ' ' || name.back() == ' ')
      return api_error(msg::errc::invalid, "Invalid input for field/attribute name.");
    int64_t ram = 0, vcpus = 0, disk = 0, swap = 0, ephemeral = 0;
    if (auto e = whole_number(body, "ram", 1, 2147483647, true, ram))
      return *e;
    if (auto e = whole_number(body, "vcpus", 1, 2147483647, true, vcpus))
      return *e;
    if (auto e = whole_number(body, "disk", 0, 2147483647, true, disk))
      return *e;
    if (auto e = whole_number(body, "swap", 0, 2147483647, false, swap))
      return *e;
    if (auto e = whole_number(body, "OS-FLV-EXT-DATA:ephemeral", 0, 2147483647, false, ephemeral))
      return *e;
    double rxtx = 1.0;
    if (auto r = body.find("rxtx_factor"); r != body.end() && !r->is_null()) {
      if (!r->is_number() || r->get<double>() <= 0)
        return api_error(msg::errc::invalid, "Invalid input for field/attribute rxtx_factor.");
      rxtx = r->get<double>();
    }
    // An id may be given as a string or an integer (Nova keeps it as text).
    std::string id;
    if (auto given = body.find("id"); given != body.end() && !given->is_null()) {
      static const std::regex allowed{"^(?! )[a-zA-Z0-9. _-]{1,255}$"};
      id = given->is_number_integer() ? std::to_string(given->get<int64_t>())
                                      : given->is_string() ? given->get<std::string>() : "";
      if (!std::regex_match(id, allowed) || id.back() == ' ')
        return api_error(msg::errc::invalid, "Invalid input for field/attribute id.");
    }
    if (id.empty())
      id = runtime::new_uuid();
    if (catalog_.flavor(id))
      return api_error(msg::errc::conflict, "Flavor with ID " + id + " already exists.");
    for (auto& [fid, f] : catalog_.flavors())
      if (str(f, "name") == name)
        return api_error(msg::errc::conflict, "Flavor with name " + name + " already exists.");
    bool is_public = true;
    if (auto p = body.find("os-flavor-access:is_public"); p != body.end() && !p->is_null()) {
      auto value = boolean_of(*p);
      if (!value)
        return api_error(msg::errc::invalid, "Invalid input for field/attribute os-flavor-access:is_public.");
      is_public = *value;
    }
    json f{{"id", id},         {"name", name},           {"ram", ram},
           {"vcpus", vcpus},   {"disk", disk},           {"swap", swap},
           {"ephemeral", ephemeral}, {"rxtx_factor", rxtx}, {"is_public", is_public},
           {"extra_specs", json::object()}, {"projects", json::array()},
           {"description", c.at_least(55) ? body.value("description", json()) : json()},
           {"created_at", nova_time(c.call.now)}};
    compute_result r = api_json(200, {{"flavor", render_flavor(c, f, true)}});
    r.changes.push_back(catalog_.put("flavor", id, f));
    return r;
  });

  add("os_compute_api:os-flavor-manage:update", [this](compute_call& c) -> compute_result {
    if (!c.at_least(55))
      return api_error(msg::errc::not_found, "The resource could not be found.");
    const json* found = catalog_.flavor(c.call.path("flavor_id"));
    if (!found)
      return api_error(msg::errc::not_found, "Flavor " + c.call.path("flavor_id") + " could not be found.");
    const json body = c.call.body.value("flavor", json());
    if (!body.is_object() || !body.contains("description"))
      return api_error(msg::errc::invalid, "Invalid input for field/attribute flavor.");
    json f = *found;
    f["description"] = body["description"];
    compute_result r = api_json(200, {{"flavor", render_flavor(c, f, true)}});
    r.changes.push_back(catalog_.put("flavor", str(f, "id"), f));
    return r;
  });

  add("os_compute_api:os-flavor-manage:delete", [this](compute_call& c) -> compute_result {
    const auto id = c.call.path("flavor_id");
    if (!catalog_.flavor(id))
      return api_error(msg::errc::not_found, "Flavor " + id + " could not be found.");
    compute_result r = accepted();
    r.changes.push_back(catalog_.put("flavor", id, std::nullopt));
    return r;
  });

  // -- extra specs
  auto flavor_for = [this](compute_call& c, compute_result& missing) -> const json* {
    const json* f = catalog_.flavor(c.call.path("flavor_id"));
    if (!f || !visible(c, *f))
      missing = api_error(msg::errc::not_found, "Flavor " + c.call.path("flavor_id") + " could not be found.");
    return f && visible(c, *f) ? f : nullptr;
  };
  add("os_compute_api:os-flavor-extra-specs:index", [flavor_for](compute_call& c) -> compute_result {
    compute_result missing;
    const json* f = flavor_for(c, missing);
    if (!f)
      return missing;
    return api_json(200, {{"extra_specs", f->value("extra_specs", json::object())}});
  });
  add("os_compute_api:os-flavor-extra-specs:show", [flavor_for](compute_call& c) -> compute_result {
    compute_result missing;
    const json* f = flavor_for(c, missing);
    if (!f)
      return missing;
    const auto key = c.call.path("key");
    const json specs = f->value("extra_specs", json::object());
    if (!specs.contains(key))
      return api_error(msg::errc::not_found, "Flavor " + str(*f, "id") + " has no extra specs with key " + key + ".");
    return api_json(200, {{key, specs[key]}});
  });
  auto write_specs = [this, flavor_for](compute_call& c, bool one) -> compute_result {
    compute_result missing;
    const json* found = flavor_for(c, missing);
    if (!found)
      return missing;
    json given = one ? c.call.body : c.call.body.value("extra_specs", json());
    if (auto e = check_extra_specs(given))
      return *e;
    if (one && (given.size() != 1 || !given.contains(c.call.path("key"))))
      return api_error(msg::errc::invalid, "Request body and URI mismatch");
    json f = *found;
    for (auto& [k, v] : given.items())
      f["extra_specs"][k] = spec_text(v);
    json shown = json::object();
    for (auto& [k, v] : given.items())
      shown[k] = spec_text(v);
    compute_result r = api_json(200, one ? shown : json{{"extra_specs", shown}});
    r.changes.push_back(catalog_.put("flavor", str(f, "id"), f));
    return r;
  };
  add("os_compute_api:os-flavor-extra-specs:create",
      [write_specs](compute_call& c) { return write_specs(c, false); });
  add("os_compute_api:os-flavor-extra-specs:update",
      [write_specs](compute_call& c) { return write_specs(c, true); });
  add("os_compute_api:os-flavor-extra-specs:delete", [this, flavor_for](compute_call& c) -> compute_result {
    compute_result missing;
    const json* found = flavor_for(c, missing);
    if (!found)
      return missing;
    const auto key = c.call.path("key");
    json f = *found;
    if (!f["extra_specs"].contains(key))
      return api_error(msg::errc::not_found, "Flavor " + str(f, "id") + " has no extra specs with key " + key + ".");
    f["extra_specs"].erase(key);
    compute_result r;
    r.reply.status = 200;
    r.changes.push_back(catalog_.put("flavor", str(f, "id"), f));
    return r;
  });

  // -- access lists of private flavors
  auto access_list = [](const json& f) {
    json out = json::array();
    for (auto& p : json_fields::strings(f, "projects"))
      out.push_back({{"flavor_id", str(f, "id")}, {"tenant_id", p}});
    return json{{"flavor_access", out}};
  };
  add("os_compute_api:os-flavor-access", [this, access_list](compute_call& c) -> compute_result {
    const json* f = catalog_.flavor(c.call.path("flavor_id"));
    if (!f)
      return api_error(msg::errc::not_found, "Flavor " + c.call.path("flavor_id") + " could not be found.");
    if (flag(*f, "is_public", true))
      return api_error(msg::errc::not_found, "Access list not available for public flavors.");
    return api_json(200, access_list(*f));
  });
  add("os_compute_api:os-flavor-manage:action", [this, access_list](compute_call& c) -> compute_result {
    const json* found = catalog_.flavor(c.call.path("flavor_id"));
    if (!found)
      return api_error(msg::errc::not_found, "Flavor " + c.call.path("flavor_id") + " could not be found.");
    const bool add = c.call.body.contains("addTenantAccess");
    const bool remove = c.call.body.contains("removeTenantAccess");
    if (add == remove)
      return api_error(msg::errc::invalid, "Invalid input for field/attribute: addTenantAccess or "
                                           "removeTenantAccess expected.");
    const std::string tenant =
        str(c.call.body.value(add ? "addTenantAccess" : "removeTenantAccess", json::object()), "tenant");
    if (tenant.empty())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute tenant.");
    json f = *found;
    if (flag(f, "is_public", true))
      return api_error(msg::errc::conflict, "Can not add access to a public flavor.");
    auto projects = json_fields::strings(f, "projects");
    auto it = std::find(projects.begin(), projects.end(), tenant);
    if (add && it != projects.end())
      return api_error(msg::errc::conflict, "Flavor access already exists for flavor " + str(f, "id") +
                                                " and project " + tenant + " combination.");
    if (remove && it == projects.end())
      return api_error(msg::errc::not_found, "Flavor access not found for " + str(f, "id") + " / " +
                                                 tenant + " combination.");
    if (add)
      projects.push_back(tenant);
    else
      projects.erase(it);
    f["projects"] = projects;
    compute_result r = api_json(200, access_list(f));
    r.changes.push_back(catalog_.put("flavor", str(f, "id"), f));
    return r;
  });
}

} // namespace stratus::compute
