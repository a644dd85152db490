// Servers: create, list, show, update, delete; their metadata, addresses
// and instance actions.
// https://docs.openstack.org/api-ref/compute/#servers-servers

#include <algorithm>
#include <regex>

#include <arpa/inet.h>

#include <openssl/evp.h>

#include "actors/compute/server_actions.hpp"
#include "actors/compute_api/paging.hpp"
#include "actors/compute_api/server_view.hpp"
#include "runtime/random_id.hpp"

namespace stratus::compute {
namespace {

/// An access IP as Nova stores it (IPv6 compressed); nothing if invalid.
std::optional<std::string> normalized_ip(const json& value, bool v6) {
  if (value.is_null() || (value.is_string() && value.get<std::string>().empty()))
    return std::string{};
  if (!value.is_string())
    return std::nullopt;
  unsigned char raw[16];
  const int family = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, value.get<std::string>().c_str(), raw) != 1)
    return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  return std::string{inet_ntop(family, raw, text, sizeof text)};
}

/// Whether `text` reads as an ISO 8601 date and time (Nova's changes-since).
bool iso_time_text(const std::string& text) {
  static const std::regex form{R"(^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$)"};
  return std::regex_match(text, form);
}

/// "a b.c" → "a-b-c": the guest hostname Nova derives from the name.
std::string hostname_of(const std::string& name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '-')
      out += static_cast<char>(std::tolower(c));
    else if (ch == ' ' || ch == '_' || ch == '.')
      out += '-';
  }
  while (!out.empty() && out.front() == '-')
    out.erase(out.begin());
  return out.substr(0, 63).empty() ? "server" : out.substr(0, 63);
}

bool valid_base64(const std::string& text) {
  if (text.size() % 4 != 0)
    return false;
  std::vector<unsigned char> out(text.size());
  return text.empty() ||
         EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) >= 0;
}

std::optional<compute_result> check_metadata(const json& m, int64_t limit) {
  if (!m.is_object())
    return api_error(msg::errc::invalid, "Invalid input for field/attribute metadata. Value: not an object");
  for (auto& [k, v] : m.items())
    if (k.empty() || k.size() > 255 || !v.is_string() || v.get<std::string>().size() > 255)
      return api_error(msg::errc::invalid, "Invalid input for field/attribute metadata. Value: " + k);
  if (limit >= 0 && static_cast<int64_t>(m.size()) > limit)
    return api_error(msg::errc::forbidden, "Quota exceeded for metadata_items: Requested " +
                                               std::to_string(m.size()) + ", but limit is " +
                                               std::to_string(limit));
  return std::nullopt;
}

/// An integer count (min_count / max_count) of the create body.
std::optional<compute_result> instance_count(const json& body, const char* key, int64_t& out) {
  auto it = body.find(key);
  if (it == body.end())
    return std::nullopt;
  if (it->is_number_integer())
    out = it->get<int64_t>();
  else if (it->is_string() && !it->get<std::string>().empty() && it->get<std::string>().size() < 10 &&
           it->get<std::string>().find_first_not_of("0123456789") == std::string::npos)
    out = std::stoll(it->get<std::string>());
  else
    return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute "} + key +
                                             ". Value: " + it->dump());
  if (out < 1)
    return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute "} + key +
                                             ". Value: " + it->dump() + ". less than the minimum of 1");
  return std::nullopt;
}

} // namespace

// "auto" with no network is "none", as before networks existed; with
// several it is Nova's 409.
std::optional<compute_result> resolve_networks(const compute_call& c, json& networks) {
  if (networks == json("none"))
    return std::nullopt;
  auto find = [](const json& list, const std::string& id) -> const json* {
    for (auto& item : list)
      if (str(item, "id") == id)
        return &item;
    return nullptr;
  };
  if (networks == json("auto")) {
    std::vector<std::string> usable;
    for (auto& n : c.cell.networks)
      if (!n.value("router:external", false))
        usable.push_back(str(n, "id"));
    if (usable.size() > 1)
      return api_error(msg::errc::conflict,
                       "Multiple possible networks found, use a Network ID to be more specific.");
    networks = usable.empty() ? json("none") : json::array({{{"uuid", usable.front()}}});
    return std::nullopt;
  }
  for (auto& n : networks) {
    if (auto port = str(n, "port"); !port.empty()) {
      const json* p = find(c.cell.ports, port);
      if (!p)
        return api_error(msg::errc::invalid, "Port " + port + " could not be found.");
      if (!str(*p, "device_id").empty())
        return api_error(msg::errc::conflict, "Port " + port + " is still in use.");
      continue;
    }
    const auto uuid = str(n, "uuid");
    if (!find(c.cell.networks, uuid))
      return api_error(msg::errc::invalid, "Network " + uuid + " could not be found.");
    if (n.contains("fixed_ip") && !normalized_ip(n["fixed_ip"], false) &&
        !normalized_ip(n["fixed_ip"], true))
      return api_error(msg::errc::invalid, "Invalid fixed IP address (" + str(n, "fixed_ip") + ")");
  }
  return std::nullopt;
}

void compute_api::add_server_operations() {
  add("os_compute_api:servers:create", [this](compute_call& c) -> compute_result {
    const json body = c.call.body.value("server", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute server. Value: None.");
    const std::string name = str(body, "name");
    if (!body.contains("name") || !body["name"].is_string() || name.empty() || name.size() > 255 ||
        (!c.at_least(52) && (name.front() == ' ' || name.back() == ' ')))
      return api_error(msg::errc::invalid, "Invalid input for field/attribute name.");
    // flavor
    const std::string flavor_ref = image_id_of(str(body, "flavorRef"));
    const json* flavor = catalog_.flavor(flavor_ref);
    if (flavor_ref.empty())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute flavorRef.");
    if (!flavor || !(c.admin() || flag(*flavor, "is_public", true) ||
                     std::ranges::count(json_fields::strings(*flavor, "projects"), c.call.ctx.caller.project_id)))
      return api_error(msg::errc::invalid, "Flavor " + flavor_ref + " could not be found.");
    // image
    const std::string image_ref = image_id_of(str(body, "imageRef"));
    if (image_ref.empty())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute imageRef.");
    if (c.cell.image.is_null())
      return api_error(msg::errc::invalid, "Image " + image_ref + " could not be found.");
    if (str(c.cell.image, "status") != "active")
      return api_error(msg::errc::invalid, "Image " + image_ref + " is not active.");
    const uint64_t image_min_disk = count(c.cell.image, "min_disk");
    const uint64_t image_min_ram = count(c.cell.image, "min_ram");
    if (count(*flavor, "disk") > 0 && count(*flavor, "disk") < image_min_disk)
      return api_error(msg::errc::invalid, "Flavor's disk is too small for requested image. Flavor disk is " +
                                               std::to_string(count(*flavor, "disk")) + "GB, minimum requested disk is " +
                                               std::to_string(image_min_disk) + "GB.");
    if (count(*flavor, "ram") < image_min_ram)
      return api_error(msg::errc::invalid, "Flavor's memory is too small for requested image.");
    // networks: "none", "auto" or a list (required from 2.37)
    json networks = body.value("networks", json());
    if (networks.is_string() && (!c.at_least(37) || (networks != "none" && networks != "auto")))
      return api_error(msg::errc::invalid, "Invalid input for field/attribute networks.");
    if (networks.is_null()) {
      if (c.at_least(37))
        return api_error(msg::errc::invalid, "Invalid input for field/attribute server. Value: "
                                             "'networks' is a required property");
      networks = "auto"; // before 2.37, no networks meant whatever the project has
    }
    if (networks.is_array()) {
      for (auto& n : networks)
        if (!n.is_object() || !(n.contains("uuid") || n.contains("port")))
          return api_error(msg::errc::invalid, "Bad networks format: network uuid is not in proper format");
    }
    if (auto bad = resolve_networks(c, networks))
      return *bad;
    // security groups: names or ids the caller sees, for the server's new ports
    json security_groups;
    if (auto bad = requested_security_groups(c, body.value("security_groups", json()), security_groups))
      return *bad;
    std::string access[2];
    for (int v6 = 0; v6 < 2; ++v6)
      if (auto it = body.find(v6 ? "accessIPv6" : "accessIPv4"); it != body.end()) {
        auto ip = normalized_ip(*it, v6 == 1);
        if (!ip)
          return api_error(msg::errc::invalid, std::string{"Invalid input for field/attribute "} +
                                                   (v6 ? "accessIPv6." : "accessIPv4."));
        access[v6] = *ip;
      }
    // counts and quotas
    int64_t min_count = 1, max_count = 1;
    if (auto e = instance_count(body, "min_count", min_count))
      return *e;
    max_count = min_count;
    if (auto e = instance_count(body, "max_count", max_count))
      return *e;
    if (min_count > max_count)
      return api_error(msg::errc::invalid, "min_count must be <= max_count");
    const auto& project = c.call.ctx.caller.project_id;
    auto left = [&](const char* resource, int64_t used, int64_t each) -> int64_t {
      const auto limit = catalog_.quota(project, resource);
      if (limit < 0 || each == 0)
        return max_count;
      return std::max<int64_t>(0, (limit - used) / each);
    };
    const int64_t vcpus = static_cast<int64_t>(count(*flavor, "vcpus"));
    const int64_t ram = static_cast<int64_t>(count(*flavor, "ram"));
    struct { const char* name; int64_t used; int64_t each; } checks[] = {
        {"instances", c.cell.instances_used, 1},
        {"cores", static_cast<int64_t>(c.cell.cores_used), vcpus},
        {"ram", static_cast<int64_t>(c.cell.ram_used), ram}};
    int64_t allowed = max_count;
    for (auto& q : checks) {
      const auto fits = left(q.name, q.used, q.each);
      if (fits < min_count)
        return api_error(msg::errc::forbidden,
                         std::string{"Quota exceeded for "} + q.name + ": Requested " +
                             std::to_string(min_count * q.each) + ", but already used " +
                             std::to_string(q.used) + " of " +
                             std::to_string(catalog_.quota(project, q.name)) + " " + q.name);
      allowed = std::min(allowed, fits);
    }
    const int64_t n = allowed;
    // the rest of the request
    json metadata = body.value("metadata", json::object());
    if (auto e = check_metadata(metadata, catalog_.quota(project, "metadata_items")))
      return *e;
    std::string key_data;
    if (auto key = str(body, "key_name"); !key.empty()) {
      const json* k = catalog_.keypair(c.call.ctx.caller.user_id, key);
      if (!k)
        return api_error(msg::errc::invalid, "Invalid key_name provided.");
      key_data = str(*k, "public_key");
    }
    const std::string user_data = str(body, "user_data");
    if (user_data.size() > 65535 || !valid_base64(user_data))
      return api_error(msg::errc::invalid, "User data needs to be valid base 64.");
    std::string zone = str(body, "availability_zone"), force_host;
    if (auto colon = zone.find(':'); colon != std::string::npos) {
      if (!c.admin())
        return api_error(msg::errc::forbidden, "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
      force_host = zone.substr(colon + 1);
      zone = zone.substr(0, colon);
    }
    if (!zone.empty()) {
      bool known = false;
      for (auto& h : c.cell.hosts)
        known |= h.value("zone", "nova") == zone;
      if (!known)
        return api_error(msg::errc::invalid, "The requested availability zone is not available");
    }
    // server group hint
    json group = nullptr;
    std::string group_id;
    if (auto hints = c.call.body.find("os:scheduler_hints"); hints != c.call.body.end() && hints->is_object())
      group_id = str(*hints, "group");
    compute_result r;
    if (!group_id.empty()) {
      const json* g = catalog_.server_group(group_id);
      if (!g || (str(*g, "project_id") != project && !c.admin()))
        return api_error(msg::errc::invalid, "Invalid server group " + group_id + ".");
      const auto members = g->value("members", json::array());
      const auto limit = catalog_.quota(project, "server_group_members");
      if (limit >= 0 && static_cast<int64_t>(members.size()) + n > limit)
        return api_error(msg::errc::forbidden, "Quota exceeded, too many servers in group");
      group = {{"uuid", group_id}, {"policy", str(*g, "policy")}, {"members", members}};
    }
    // the records
    const std::string reservation = "r-" + runtime::random_hex(8);
    json spec{{"flavor", *flavor},
              {"image", {{"id", image_ref}, {"properties", c.cell.image.value("properties", json::object())}}},
              {"availability_zone", zone},
              {"force_host", force_host}};
    for (auto& [k, v] : c.cell.image.items())
      if (k.rfind("hw_", 0) == 0 || k.rfind("img_", 0) == 0 || k == "architecture" || k == "hypervisor_type")
        spec["image"]["properties"][k] = v;
    if (!group.is_null())
      spec["group"] = group;
    msg::build_servers_request build;
    build.request_spec = spec.dump();
    json flavor_copy{{"id", str(*flavor, "id")}, {"name", str(*flavor, "name")},
                     {"vcpus", count(*flavor, "vcpus")}, {"ram", count(*flavor, "ram")},
                     {"disk", count(*flavor, "disk")}, {"ephemeral", count(*flavor, "ephemeral")},
                     {"swap", count(*flavor, "swap")},
                     {"extra_specs", flavor->value("extra_specs", json::object())}};
    std::vector<std::string> uuids;
    for (int64_t i = 0; i < n; ++i) {
      const std::string uuid = runtime::new_uuid();
      const std::string display = n > 1 ? name + "-" + std::to_string(i + 1) : name;
      json x{{"uuid", uuid},
             {"display_name", display},
             {"display_description", c.at_least(19) ? body.value("description", json()) : json()},
             {"hostname", hostname_of(display)},
             {"project_id", project},
             {"user_id", c.call.ctx.caller.user_id},
             {"flavor", flavor_copy},
             {"image_ref", image_ref},
             // What the compute host needs to boot it (Nova's image_meta).
             {"image_meta", {{"disk_format", c.cell.image.value("disk_format", json())},
                             {"kernel_id", c.cell.image.value("kernel_id", json())},
                             {"ramdisk_id", c.cell.image.value("ramdisk_id", json())},
                             {"os_command_line", c.cell.image.value("os_command_line", json())}}},
             {"key_name", body.value("key_name", json())},
             {"key_data", key_data},
             {"user_data", user_data.empty() ? json() : json(user_data)},
             {"metadata", metadata},
             {"availability_zone", zone.empty() ? settings_.default_zone : zone},
             {"reservation_id", reservation},
             {"launch_index", i},
             {"config_drive", flag(body, "config_drive", false)},
             {"networks", networks},
             {"security_groups", security_groups},
             {"access_ipv4", access[0]},
             {"access_ipv6", access[1]},
             {"locked", false},
             {"tags", c.at_least(52) ? body.value("tags", json::array()) : json::array()},
             {"addresses", json::object()},
             {"request_spec", spec}};
      if (!group_id.empty())
        x["server_group"] = group_id;
      build.instances.push_back(x.dump());
      uuids.push_back(uuid);
    }
    if (!group_id.empty()) {
      json g = *catalog_.server_group(group_id);
      for (auto& u : uuids)
        g["members"].push_back(u);
      r.changes.push_back(catalog_.put("server_group", group_id, g));
    }
    r.build = std::move(build);
    if (flag(body, "return_reservation_id", false)) {
      r.reply = api_json(202, {{"reservation_id", reservation}}).reply;
      return r;
    }
    json shown{{"id", uuids.front()},
               {"links", server_links(c, uuids.front())},
               {"OS-DCF:diskConfig", "MANUAL"},
               {"adminPass", body.value("adminPass", runtime::random_hex(12))}};
    // The groups asked for, as Nova echoes them (its ports are not made yet).
    if (networks != json("none"))
      shown["security_groups"] = body.value("security_groups", json::array({{{"name", "default"}}}));
    r.reply = api_json(202, {{"server", shown}}).reply;
    r.reply.headers.push_back({"location", c.call.req.base_url + "/compute/v2.1/servers/" + uuids.front()});
    return r;
  });

  auto list = [this](compute_call& c, bool detail) -> compute_result {
    const bool all = c.admin() && !query(c, "all_tenants").empty() && query(c, "all_tenants") != "0" &&
                     query(c, "all_tenants") != "false" && query(c, "all_tenants") != "False";
    const std::string project = !query(c, "project_id").empty() ? query(c, "project_id") : query(c, "tenant_id");
    const bool deleted = c.admin() && (query(c, "deleted") == "true" || query(c, "deleted") == "True");
    std::optional<std::regex> name;
    if (auto n = c.call.query("name")) {
      try {
        name.emplace(*n);
      } catch (const std::regex_error&) {
        return api_error(msg::errc::invalid, "Invalid input for query parameters name.");
      }
    }
    std::string status = query(c, "status");
    for (auto& ch : status) // Nova matches statuses whatever their case
      ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (auto since = c.call.query("changes-since"); since && !iso_time_text(*since))
      return api_error(msg::errc::invalid, "Invalid input for query parameters changes-since. Value: " +
                                               *since + ". '" + *since + "' is not a 'date-time'");
    std::vector<const json*> picked;
    for (auto& x : c.cell.servers) {
      if (x.value("deleted", false) != deleted)
        continue;
      const auto owner = str(x, "project_id");
      if (!all && owner != c.call.ctx.caller.project_id)
        continue;
      if (all && !project.empty() && owner != project)
        continue;
      if (name && !std::regex_search(str(x, "display_name"), *name))
        continue;
      if (!status.empty() && server_status(str(x, "vm_state"), str(x, "task_state")) != status)
        continue;
      auto filter = [&](const char* q, const std::string& value) {
        auto v = c.call.query(q);
        return !v || *v == value;
      };
      if (c.admin() && !filter("host", str(x, "host")))
        continue;
      if (!filter("image", str(x, "image_ref")) ||
          !filter("flavor", str(x.value("flavor", json::object()), "id")) ||
          !filter("reservation_id", str(x, "reservation_id")) ||
          !filter("user_id", str(x, "user_id")) || !filter("key_name", str(x, "key_name")) ||
          !filter("availability_zone", str(x, "availability_zone")) ||
          !filter("vm_state", str(x, "vm_state")) || !filter("task_state", str(x, "task_state")) ||
          !filter("uuid", str(x, "uuid")))
        continue;
      if (auto since = c.call.query("changes-since"); since && str(x, "updated_at") < *since)
        continue;
      if (auto locked = c.call.query("locked"); locked && c.at_least(73) &&
          x.value("locked", false) != (*locked == "true" || *locked == "True" || *locked == "1"))
        continue;
      picked.push_back(&x);
    }
    // Newest first, as Nova sorts by default (created_at desc, then id).
    const std::string key = query(c, "sort_key").empty() ? "created_at" : query(c, "sort_key");
    const bool asc = query(c, "sort_dir") == "asc";
    const std::map<std::string, std::string> columns{{"created_at", "created_at"}, {"display_name", "display_name"},
                                                     {"updated_at", "updated_at"}, {"uuid", "uuid"},
                                                     {"launched_at", "launched_at"}, {"vm_state", "vm_state"},
                                                     {"task_state", "task_state"}, {"host", "host"},
                                                     {"availability_zone", "availability_zone"},
                                                     {"key_name", "key_name"}, {"project_id", "project_id"},
                                                     {"user_id", "user_id"}, {"hostname", "hostname"}};
    auto col = columns.find(key);
    if (col == columns.end())
      return api_error(msg::errc::invalid, "Invalid input for query parameters sort_key. Value: " + key);
    std::stable_sort(picked.begin(), picked.end(), [&](const json* a, const json* b) {
      const auto ka = std::make_pair(a->value(col->second, json()).dump(), a->value("id", 0));
      const auto kb = std::make_pair(b->value(col->second, json()).dump(), b->value("id", 0));
      return asc ? ka < kb : kb < ka;
    });
    auto p = paginate<const json*>(c, picked, [](const json* const& x) { return str(*x, "uuid"); },
                                   settings_.max_limit);
    if (p.error)
      return *p.error;
    std::string out = "{\"servers\":[";
    for (std::size_t i = 0; i < p.items.size(); ++i) {
      if (i)
        out += ',';
      out += (detail ? server_detail(c, *p.items[i]) : server_summary(c, *p.items[i])).dump();
    }
    out += ']';
    if (p.more)
      out += ",\"servers_links\":" + next_link(c, detail ? "/servers/detail" : "/servers", p.last_id).dump();
    out += '}';
    compute_result r;
    r.reply.status = 200;
    r.reply.body = std::move(out);
    return r;
  };
  add("os_compute_api:servers:index", [list](compute_call& c) { return list(c, false); });
  add("os_compute_api:servers:detail", [list](compute_call& c) { return list(c, true); });

  add("os_compute_api:servers:show", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    return x ? api_json(200, {{"server", server_detail(c, *x)}}) : missing;
  });

  add("os_compute_api:servers:update", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* found = path_server(c, missing);
    if (!found)
      return missing;
    const json body = c.call.body.value("server", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute server.");
    json changes = json::object();
    for (auto& [k, v] : body.items()) {
      if (k == "name") {
        if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 255)
          return api_error(msg::errc::invalid, "Invalid input for field/attribute name.");
        changes["display_name"] = v;
        changes["hostname"] = hostname_of(v.get<std::string>());
      } else if (k == "description" && c.at_least(19)) {
        if (!v.is_null() && (!v.is_string() || v.get<std::string>().size() > 255))
          return api_error(msg::errc::invalid, "Invalid input for field/attribute description.");
        changes["display_description"] = v;
      } else if (k == "accessIPv4" || k == "accessIPv6") {
        auto ip = normalized_ip(v, k == "accessIPv6");
        if (!ip)
          return api_error(msg::errc::invalid, "Invalid input for field/attribute " + k + ".");
        changes[k == "accessIPv4" ? "access_ipv4" : "access_ipv6"] = *ip;
      } else if (k != "OS-DCF:diskConfig") {
        return api_error(msg::errc::invalid, "Invalid input for field/attribute server. Additional "
                                             "properties are not allowed ('" + k + "' was unexpected)");
      }
    }
    json after = *found;
    for (auto& [k, v] : changes.items())
      after[k] = v;
    compute_result r = api_json(200, {{"server", server_detail(c, after)}});
    instance_transition t;
    t.update.uuid = str(*found, "uuid");
    t.update.changes = changes.dump();
    r.transitions.push_back(std::move(t));
    return r;
  });

  add("os_compute_api:servers:delete", [this](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    if (x->value("locked", false) && !c.admin())
      return api_error(msg::errc::conflict, "Instance " + str(*x, "uuid") + " is locked");
    compute_result r = api_no_content();
    instance_transition t;
    t.update.uuid = str(*x, "uuid");
    t.update.changes = json{{"task_state", "deleting"}}.dump();
    t.update.action = "delete";
    t.host = str(*x, "host");
    t.action = "delete";
    t.local_delete = t.host.empty();
    r.transitions.push_back(std::move(t));
    if (auto g = str(*x, "server_group"); !g.empty())
      if (const json* group = catalog_.server_group(g)) {
        json updated = *group;
        json members = json::array();
        for (auto& m : group->value("members", json::array()))
          if (m != x->at("uuid"))
            members.push_back(m);
        updated["members"] = members;
        r.changes.push_back(catalog_.put("server_group", g, updated));
      }
    return r;
  });

  // -- metadata
  auto metadata_of = [](const json& x) { return x.value("metadata", json::object()); };
  auto write_metadata = [this](compute_call& c, const json& x, json metadata, json reply_body,
                               uint16_t status) -> compute_result {
    if (auto e = check_metadata(metadata, catalog_.quota(str(x, "project_id"), "metadata_items")))
      return *e;
    compute_result r = api_json(status, reply_body);
    instance_transition t;
    t.update.uuid = str(x, "uuid");
    t.update.changes = json{{"metadata", metadata}}.dump();
    r.transitions.push_back(std::move(t));
    (void)c;
    return r;
  };
  add("os_compute_api:server-metadata:index", [metadata_of](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    return x ? api_json(200, {{"metadata", metadata_of(*x)}}) : missing;
  });
  add("os_compute_api:server-metadata:show", [metadata_of](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const auto key = c.call.path("key");
    const json m = metadata_of(*x);
    if (!m.contains(key))
      return api_error(msg::errc::not_found, "Metadata item was not found");
    return api_json(200, {{"meta", {{key, m[key]}}}});
  });
  add("os_compute_api:server-metadata:create", [metadata_of, write_metadata](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const json given = c.call.body.value("metadata", json());
    if (!given.is_object())
      return api_error(msg::errc::invalid, "Malformed request body");
    json m = metadata_of(*x);
    for (auto& [k, v] : given.items())
      m[k] = v;
    return write_metadata(c, *x, m, {{"metadata", m}}, 200);
  });
  add("os_compute_api:server-metadata:update_all", [write_metadata](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const json given = c.call.body.value("metadata", json());
    if (!given.is_object())
      return api_error(msg::errc::invalid, "Malformed request body");
    return write_metadata(c, *x, given, {{"metadata", given}}, 200);
  });
  add("os_compute_api:server-metadata:update", [metadata_of, write_metadata](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const auto key = c.call.path("key");
    const json meta = c.call.body.value("meta", json());
    if (!meta.is_object() || meta.size() != 1)
      return api_error(msg::errc::invalid, "Request body contains too many items");
    if (!meta.contains(key))
      return api_error(msg::errc::invalid, "Request body and URI mismatch");
    json m = metadata_of(*x);
    m[key] = meta[key];
    return write_metadata(c, *x, m, {{"meta", meta}}, 200);
  });
  add("os_compute_api:server-metadata:delete", [metadata_of, write_metadata](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const auto key = c.call.path("key");
    json m = metadata_of(*x);
    if (!m.contains(key))
      return api_error(msg::errc::not_found, "Metadata item was not found");
    m.erase(key);
    auto r = write_metadata(c, *x, m, nullptr, 204);
    r.reply.body.clear();
    return r;
  });

  add("os_compute_api:ips:index", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    return x ? api_json(200, {{"addresses", server_addresses(c, *x)}}) : missing;
  });

  // -- instance actions and their events
  auto render_action = [](const compute_call& c, const json& a, bool events) {
    json out{{"action", str(a, "action")},           {"instance_uuid", str(a, "instance_uuid")},
             {"request_id", str(a, "request_id")},   {"user_id", str(a, "user_id")},
             {"project_id", str(a, "project_id")},   {"start_time", str(a, "start_time")},
             {"message", a.value("message", json())}};
    if (c.at_least(58))
      out["updated_at"] = a.value("updated_at", json());
    if (events) {
      json list = json::array();
      for (auto& e : a.value("events", json::array())) {
        json shown{{"event", e.value("event", "")}, {"start_time", e.value("start_time", json())},
                   {"finish_time", e.value("finish_time", json())}, {"result", e.value("result", json())}};
        if (c.admin())
          shown["traceback"] = e.value("traceback", json());
        list.push_back(shown);
      }
      out["events"] = list;
    }
    return out;
  };
  // Since 2.21 the actions of a deleted server can still be read.
  auto action_server = [](compute_call& c, compute_result& missing) -> const json* {
    if (c.at_least(21))
      for (auto& s : c.cell.servers)
        if (str(s, "uuid") == c.call.path("server_id") &&
            (c.admin() || str(s, "project_id") == c.call.ctx.caller.project_id))
          return &s;
    return path_server(c, missing);
  };
  add("os_compute_api:os-instance-actions:list", [render_action, action_server](compute_call& c) -> compute_result {
    compute_result missing;
    if (!action_server(c, missing))
      return missing;
    json out = json::array();
    for (auto it = c.cell.actions.rbegin(); it != c.cell.actions.rend(); ++it)
      out.push_back(render_action(c, *it, false));
    return api_json(200, {{"instanceActions", out}});
  });
  add("os_compute_api:os-instance-actions:show", [render_action, action_server](compute_call& c) -> compute_result {
    compute_result missing;
    if (!action_server(c, missing))
      return missing;
    const auto id = c.call.path("request_id");
    for (auto& a : c.cell.actions)
      if (str(a, "request_id") == id)
        return api_json(200, {{"instanceAction", render_action(c, a, true)}});
    return api_error(msg::errc::not_found, "Action " + id + " on instance " + c.call.path("server_id") +
                                               " could not be found.");
  });
}

} // namespace stratus::compute
