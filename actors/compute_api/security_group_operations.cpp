// Nova's security-group proxy: the Compute API's deprecated view of the
// Networking API's security groups (os-security-groups,
// os-security-group-rules, up to microversion 2.35), a server's groups
// (GET /servers/{id}/os-security-groups) and the addSecurityGroup /
// removeSecurityGroup actions, as Nova's neutron driver
// (nova/network/security_group_api.py) does them: the groups and ports
// come from the network-server with the caller's context, changes go back
// to it as Networking API calls (a network_plan) made with that context.
// Nova shows ingress rules only; a rule's ICMP type and code are its
// from_port and to_port; -1 means any.
// https://docs.openstack.org/api-ref/compute/#security-groups-os-security-groups-deprecated
// https://docs.openstack.org/api-ref/compute/#rules-for-default-security-group-os-security-group-rules-deprecated

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// An answer that is the Networking API calls of `plan`, then its `done`.
compute_result via_network(network_plan plan) {
  compute_result r;
  r.network = std::move(plan);
  return r;
}

/// The newest microversion with the proxy APIs (Nova's
/// MAX_PROXY_API_SUPPORT_VERSION); from 2.36 on they are not found.
constexpr int max_proxy_minor = 35;

compute_result bad_request(const std::string& message) {
  return api_error(msg::errc::invalid, message);
}

compute_result proxy_gone() {
  return api_error(msg::errc::not_found, "The resource could not be found.");
}

std::string lower(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

/// oslo's is_uuid_like: 32 hex digits, dashes and case aside.
bool uuid_like(const std::string& text) {
  std::string hex;
  for (char ch : text)
    if (ch != '-')
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return hex.size() == 32 && hex.find_first_not_of("0123456789abcdef") == std::string::npos &&
         (text.size() == 32 || text.size() == 36);
}

/// Nova's validate_id.
std::optional<compute_result> check_id(const json& id) {
  if (!id.is_string() || !uuid_like(id.get<std::string>()))
    return bad_request("Security group id should be uuid");
  return std::nullopt;
}

/// The message of a Networking API error reply.
std::string neutron_message(const msg::api_call_reply& reply) {
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("NeutronError") && body["NeutronError"].is_object())
    return str(body["NeutronError"], "message");
  return body.is_object() ? str(body, "message") : reply.body;
}

msg::errc errc_of(uint16_t status) {
  switch (status) {
  case 400:
    return msg::errc::invalid;
  case 403:
    return msg::errc::forbidden;
  case 404:
    return msg::errc::not_found;
  case 409:
    return msg::errc::conflict;
  case 503:
    return msg::errc::unavailable;
  default:
    return msg::errc::internal;
  }
}

/// A failed Networking API reply as Nova maps it: `remap` turns some
/// statuses into others (409 → 403 for "limit exceeded", …).
api_support::api_answer neutron_failure(const msg::api_call_reply& reply,
                                        std::initializer_list<std::pair<uint16_t, msg::errc>> remap = {}) {
  for (auto& [status, code] : remap)
    if (reply.status == status)
      return api_error(code, neutron_message(reply));
  return api_error(errc_of(reply.status), neutron_message(reply));
}

msg::api_call_request network_call(const std::string& operation, msg::named_values path, const json& body) {
  msg::api_call_request q;
  q.operation = operation;
  q.path = std::move(path);
  q.body = body.is_null() ? "" : body.dump();
  return q;
}

/// A group the caller sees, by id.
const json* group_by_id(const json& groups, const std::string& id) {
  for (auto& g : groups)
    if (str(g, "id") == id)
      return &g;
  return nullptr;
}

/// neutronclient's find_resourceid_by_name_or_id within the caller's
/// project: an id first, then a name (409 if two groups have it).
struct lookup {
  const json* group = nullptr;
  bool ambiguous = false;
};
lookup find_group(const compute_call& c, const std::string& name_or_id) {
  lookup out;
  if ((out.group = group_by_id(c.cell.security_groups, name_or_id)))
    return out;
  for (auto& g : c.cell.security_groups)
    if (str(g, "name") == name_or_id && str(g, "project_id") == c.call.ctx.caller.project_id) {
      if (out.group) {
        out.ambiguous = true;
        return out;
      }
      out.group = &g;
    }
  return out;
}

std::string ambiguous_name(const std::string& name) {
  return "Multiple security_group matches found for name '" + name +
         "', use an ID to be more specific.";
}

/// Nova's parse_cidr: none is 0.0.0.0/0; otherwise an address with a
/// prefix length (netaddr's IPNetwork, host bits allowed).
std::optional<std::string> parse_cidr(const json& cidr) {
  if (cidr.is_null() || (cidr.is_string() && cidr.get<std::string>().empty()))
    return std::string{"0.0.0.0/0"};
  if (!cidr.is_string())
    return std::nullopt;
  const std::string text = cidr.get<std::string>();
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 == text.size())
    return std::nullopt;
  const std::string ip = text.substr(0, slash), len = text.substr(slash + 1);
  unsigned char raw[16];
  const bool v6 = ip.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), raw) != 1)
    return std::nullopt;
  if (len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(len) > (v6 ? 128 : 32))
    return std::nullopt;
  return text;
}

/// A Neutron rule as Nova's driver converts it
/// (_convert_to_nova_security_group_rule_format).
json driver_rule(const json& r) {
  json out{{"id", str(r, "id")},
           {"parent_group_id", str(r, "security_group_id")},
           {"protocol", r.value("protocol", json())}};
  const json low = r.value("port_range_min", json()), high = r.value("port_range_max", json());
  const json& protocol = out["protocol"];
  if (!protocol.is_null() && low.is_null() && high.is_null()) {
    const std::string p = protocol.is_string() ? lower(protocol.get<std::string>()) : protocol.dump();
    const bool ports = p == "tcp" || p == "udp";
    out["from_port"] = ports ? 1 : -1;
    out["to_port"] = ports ? 65535 : -1;
  } else {
    out["from_port"] = low;
    out["to_port"] = high;
  }
  out["group_id"] = r.value("remote_group_id", json());
  out["cidr"] = parse_cidr(r.value("remote_ip_prefix", json())).value_or(str(r, "remote_ip_prefix"));
  return out;
}

/// A rule as the API shows it; nothing if its remote group is gone (Nova
/// skips it). `group_data` stands for the remote group when given.
/// `groups` are those the caller sees (for the remote group's name).
std::optional<json> rule_view(const json& groups, const json& rule, const json& group_data = nullptr) {
  const json r = driver_rule(rule);
  json out{{"id", r["id"]},
           {"parent_group_id", r["parent_group_id"]},
           {"ip_protocol", r["protocol"]},
           {"from_port", r["from_port"]},
           {"to_port", r["to_port"]},
           {"group", json::object()},
           {"ip_range", json::object()}};
  if (!group_data.is_null()) {
    out["group"] = group_data;
  } else if (r["group_id"].is_string()) {
    const json* source = group_by_id(groups, r["group_id"].get<std::string>());
    if (!source)
      return std::nullopt;
    out["group"] = {{"name", str(*source, "name")}, {"tenant_id", str(*source, "project_id")}};
  } else {
    out["ip_range"] = {{"cidr", r["cidr"]}};
  }
  return out;
}

std::string tenant_of(const json& g) {
  const auto t = str(g, "tenant_id");
  return t.empty() ? str(g, "project_id") : t;
}

/// A group as the API shows it: its ingress rules only.
json group_view(const json& groups, const json& g) {
  json rules = json::array();
  for (auto& r : g.value("security_group_rules", json::array()))
    if (str(r, "direction") == "ingress")
      if (auto shown = rule_view(groups, r))
        rules.push_back(*shown);
  return {{"id", str(g, "id")},
          {"name", str(g, "name")},
          {"description", g.value("description", json())},
          {"tenant_id", tenant_of(g)},
          {"rules", rules}};
}

/// Sorted as Nova sorts groups: by tenant, then name.
json sorted_groups(std::vector<json> groups) {
  std::stable_sort(groups.begin(), groups.end(), [](const json& a, const json& b) {
    return std::make_pair(str(a, "tenant_id"), str(a, "name")) <
           std::make_pair(str(b, "tenant_id"), str(b, "name"));
  });
  return json(std::move(groups));
}

/// The group named by {security_group_id}: 400 if not an id, 404 if the
/// caller does not see it.
const json* path_group(const compute_call& c, compute_result& failed) {
  const auto id = c.call.path("security_group_id");
  if (auto bad = check_id(id)) {
    failed = *bad;
    return nullptr;
  }
  const json* g = group_by_id(c.cell.security_groups, id);
  if (!g)
    failed = api_error(msg::errc::not_found, "Security group " + id + " does not exist");
  return g;
}

/// Nova's _from_body.
std::optional<compute_result> from_body(const compute_call& c, const char* key, json& value) {
  if (c.call.body.is_null() || (c.call.body.is_object() && c.call.body.empty()))
    return bad_request("The request body can't be empty");
  value = c.call.body.is_object() ? c.call.body.value(key, json()) : json();
  if (value.is_null())
    return bad_request(std::string{"Missing parameter "} + key);
  if (!value.is_object())
    return bad_request(std::string{"Invalid input for field/attribute "} + key + ".");
  return std::nullopt;
}

/// Nova's validate_property (oslo's check_string_length, at most 255).
std::optional<compute_result> check_property(const json& group, const char* name) {
  const json value = group.value(name, json());
  if (!value.is_string())
    return bad_request(std::string{name} + " is not a string or unicode");
  const auto length = value.get<std::string>().size();
  if (length > 255)
    return bad_request(std::string{name} + " has " + std::to_string(length) +
                       " characters, more than 255.");
  return std::nullopt;
}

/// An integer as Python's int() reads it; nothing if it is not one.
/// Creates or updates a group through the Networking API from the
/// request's {"security_group": {name, description}}; Neutron's 409 is
/// answered as `on_conflict`.
compute_result write_group(compute_call& c, const std::string& operation, msg::named_values path,
                           msg::errc on_conflict) {
  json group;
  if (auto bad = from_body(c, "security_group", group))
    return *bad;
  for (const char* property : {"name", "description"})
    if (auto bad = check_property(group, property))
      return *bad;
  network_plan plan;
  plan.calls.push_back(network_call(
      operation, std::move(path),
      {{"security_group", {{"name", group["name"]}, {"description", group["description"]}}}}));
  plan.done = [groups = c.cell.security_groups,
               on_conflict](const msg::api_call_reply& last) -> api_support::api_answer {
    if (last.status >= 300)
      return neutron_failure(last, {{401, msg::errc::invalid}, {409, on_conflict}});
    const json written = json::parse(last.body, nullptr, false).value("security_group", json::object());
    return api_json(200, {{"security_group", group_view(groups, written)}});
  };
  return via_network(std::move(plan));
}

std::optional<int64_t> python_int(const json& v) {
  if (v.is_number_integer())
    return v.get<int64_t>();
  if (v.is_number_float())
    return static_cast<int64_t>(v.get<double>());
  if (v.is_boolean())
    return v.get<bool>() ? 1 : 0;
  if (!v.is_string())
    return std::nullopt;
  std::string t = v.get<std::string>();
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front())))
    t.erase(t.begin());
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
    t.pop_back();
  std::size_t i = !t.empty() && (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (t.size() == i || t.size() > 18 || t.find_first_not_of("0123456789", i) != std::string::npos)
    return std::nullopt;
  return std::stoll(t);
}

/// Nova's _new_ingress_rule: the rule asked for ({protocol, from_port,
/// to_port, group_id | cidr}), nothing when it is not enough for a rule
/// (cidr without protocol and ports), or the 400.
std::optional<compute_result> new_ingress_rule(const json& protocol_in, json from, json to,
                                               const json& group_id, const std::string& cidr,
                                               std::optional<json>& rule) {
  json values = json::object();
  const std::string protocol = protocol_in.is_string() ? protocol_in.get<std::string>()
                               : protocol_in.is_null() ? std::string{}
                                                       : protocol_in.dump();
  std::string upper = protocol;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (!group_id.is_null()) {
    values["group_id"] = group_id;
    // Everything, if no ports or type/code are given, but only for a source group.
    if (upper == "ICMP" && from.is_null() && to.is_null())
      from = to = -1;
    else if ((upper == "TCP" || upper == "UDP") && from.is_null() && to.is_null()) {
      from = 1;
      to = 65535;
    }
  } else {
    values["cidr"] = cidr;
  }
  if (!protocol.empty() && !from.is_null() && !to.is_null()) {
    const auto low = python_int(from), high = python_int(to);
    if (!low || !high)
      return bad_request(upper == "ICMP"
                             ? "Invalid input received: Type and Code must be integers for ICMP protocol type"
                             : "Invalid input received: To and From ports must be integers");
    if (upper != "TCP" && upper != "UDP" && upper != "ICMP")
      return bad_request("Invalid IP protocol " + protocol + ".");
    const std::string range = "Invalid port range " + std::to_string(*low) + ":" + std::to_string(*high) + ". ";
    if ((upper == "TCP" || upper == "UDP") && *low > *high)
      return bad_request(range + "Former value cannot be greater than the later");
    if ((upper == "TCP" || upper == "UDP") && (*low < 1 || *high > 65535))
      return bad_request(range + "Valid " + upper + " ports should be between 1-65535");
    if (upper == "ICMP" && (*low < -1 || *low > 255 || *high < -1 || *high > 255))
      return bad_request(range + "For ICMP, the type:code must be valid");
    values["protocol"] = protocol;
    values["from_port"] = *low;
    values["to_port"] = *high;
  } else if (group_id.is_null()) {
    rule.reset();
    return std::nullopt;
  }
  rule = values;
  return std::nullopt;
}

} // namespace

std::optional<json> server_security_group_names(const compute_call& c, const std::string& uuid) {
  if (!c.cell.ports_seen)
    return std::nullopt;
  json out = json::array();
  for (const json* p : server_ports(c, uuid))
    for (auto& id : p->value("security_groups", json::array()))
      if (const json* g = id.is_string() ? group_by_id(c.cell.security_groups, id.get<std::string>()) : nullptr)
        out.push_back({{"name", str(*g, "name").empty() ? str(*g, "id") : str(*g, "name")}});
  return out;
}

std::optional<compute_result> requested_security_groups(const compute_call& c, const json& requested,
                                                        json& ids) {
  ids = json::array();
  if (requested.is_null())
    return std::nullopt;
  if (!requested.is_array())
    return bad_request("Invalid input for field/attribute security_groups.");
  std::vector<std::string> names;
  for (auto& sg : requested) {
    if (!sg.is_object())
      return bad_request("Invalid input for field/attribute security_groups.");
    for (auto& [k, v] : sg.items())
      if (k != "name" || !v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 255)
        return bad_request("Invalid input for field/attribute security_groups.");
    const auto name = str(sg, "name");
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  for (auto& name : names) {
    if (name == "default") { // the project's own, made when its ports are
      ids.push_back(name);
      continue;
    }
    const auto found = find_group(c, name);
    if (found.ambiguous)
      return api_error(msg::errc::conflict, ambiguous_name(name));
    if (!found.group)
      return bad_request("Unable to find security_group with name or id '" + name + "'");
    const auto id = str(*found.group, "id");
    if (std::find(ids.begin(), ids.end(), json(id)) == ids.end())
      ids.push_back(id);
  }
  return std::nullopt;
}

compute_result security_group_action(const compute_call& c, const json& server, const std::string& key,
                                     const json& value) {
  if (!value.is_object())
    return bad_request("Missing parameter dict");
  if (!value.contains("name"))
    return bad_request("Security group not specified");
  const json name_value = value["name"];
  std::string name = name_value.is_string() ? name_value.get<std::string>() : "";
  if (name.find_first_not_of(" \t\r\n") == std::string::npos)
    return bad_request("Security group name cannot be empty");
  const std::string uuid = str(server, "uuid");
  const auto found = find_group(c, name);
  if (found.ambiguous)
    return api_error(msg::errc::conflict, ambiguous_name(name));
  if (!found.group)
    return api_error(msg::errc::not_found, "Security group " + name + " is not found for project " +
                                               c.call.ctx.caller.project_id);
  const std::string group_id = str(*found.group, "id");
  const auto ports = server_ports(c, uuid);
  if (ports.empty())
    return api_error(msg::errc::not_found,
                     "instance_id " + uuid + " could not be found as device id on any ports");
  const bool add = key == "addSecurityGroup";
  network_plan plan;
  for (const json* p : ports) {
    json groups = p->value("security_groups", json::array());
    if (add) {
      // Nova's _has_security_group_requirements.
      const bool has_ip = !p->value("fixed_ips", json::array()).empty() ||
                          str(*p, "ip_allocation") == "deferred";
      if (!has_ip || !p->value("port_security_enabled", true))
        return bad_request("Network requires port_security_enabled and subnet associated in order "
                           "to apply security groups.");
      groups.push_back(group_id);
    } else {
      auto it = std::find(groups.begin(), groups.end(), json(group_id));
      if (it == groups.end())
        continue; // a 404 only if no port has it
      groups.erase(it);
    }
    plan.calls.push_back(network_call("update_port", {{"port_id", str(*p, "id")}},
                                      {{"port", {{"security_groups", groups}}}}));
  }
  if (plan.calls.empty())
    return api_error(msg::errc::not_found,
                     "Security group " + name + " not associated with the instance " + uuid);
  plan.done = [add](const msg::api_call_reply& last) -> api_support::api_answer {
    if (last.status < 300)
      return accepted();
    if (add && last.status == 409) // Neutron's port-security conflicts: cannot be applied
      return api_error(msg::errc::invalid, neutron_message(last));
    return neutron_failure(last);
  };
  return via_network(std::move(plan));
}

void compute_api::add_security_group_operations() {
  // Nova's proxy to the Networking API, gone from microversion 2.36 on.
  auto proxy = [this](const char* op, std::function<compute_result(compute_call&)> handler) {
    add(op, [handler = std::move(handler)](compute_call& c) -> compute_result {
      return c.at_least(max_proxy_minor + 1) ? proxy_gone() : handler(c);
    });
  };

  // -- os-security-groups ------------------------------------------------------------
  proxy("os_compute_api:os-security-groups:get", [this](compute_call& c) -> compute_result {
    std::size_t offset = 0, limit = settings_.max_limit;
    for (const char* name : {"offset", "limit"})
      if (auto v = c.call.query(name)) {
        if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos)
          return bad_request(std::string{"Invalid input for query parameters "} + name + ". Value: " + *v +
                             ". '" + *v + "' does not match '^[0-9]*$'");
        const auto n = std::stoul(*v);
        if (std::string{name} == "offset")
          offset = n;
        else if (n > 0)
          limit = std::min<std::size_t>(n, settings_.max_limit);
      }
    // Neutron has no all_tenants: an admin asking for it gets every group.
    const bool all = c.admin() && c.call.query("all_tenants");
    std::vector<json> shown;
    for (auto& g : c.cell.security_groups)
      if (all || str(g, "project_id") == c.call.ctx.caller.project_id)
        shown.push_back(group_view(c.cell.security_groups, g));
    json sorted = sorted_groups(std::move(shown));
    json page = json::array();
    for (std::size_t i = offset; i < sorted.size() && page.size() < limit; ++i)
      page.push_back(sorted[i]);
    return api_json(200, {{"security_groups", page}});
  });

  proxy("os_compute_api:os-security-groups:show", [](compute_call& c) -> compute_result {
    compute_result failed;
    const json* g = path_group(c, failed);
    return g ? api_json(200, {{"security_group", group_view(c.cell.security_groups, *g)}}) : failed;
  });

  proxy("os_compute_api:os-security-groups:create", [](compute_call& c) -> compute_result {
    // A 409 is the default group or the quota: Nova's limit exceeded.
    return write_group(c, "create_security_group", {}, msg::errc::forbidden);
  });

  proxy("os_compute_api:os-security-groups:update", [](compute_call& c) -> compute_result {
    compute_result failed;
    const json* g = path_group(c, failed);
    if (!g)
      return failed;
    // A 409 is renaming the default group: not allowed.
    return write_group(c, "update_security_group", {{"security_group_id", str(*g, "id")}},
                       msg::errc::invalid);
  });

  proxy("os_compute_api:os-security-groups:delete", [](compute_call& c) -> compute_result {
    compute_result failed;
    const json* g = path_group(c, failed);
    if (!g)
      return failed;
    network_plan plan;
    plan.calls.push_back(network_call("delete_security_group", {{"security_group_id", str(*g, "id")}}, nullptr));
    plan.done = [](const msg::api_call_reply& last) -> api_support::api_answer {
      if (last.status >= 300) // in use, or the default group: Nova's Invalid
        return neutron_failure(last, {{409, msg::errc::invalid}});
      return accepted();
    };
    return via_network(std::move(plan));
  });

  // -- os-security-group-rules -------------------------------------------------------
  proxy("os_compute_api:os-security-groups:rule:create", [](compute_call& c) -> compute_result {
    json sg_rule;
    if (auto bad = from_body(c, "security_group_rule", sg_rule))
      return *bad;
    const json parent_id = sg_rule.value("parent_group_id", json());
    if (auto bad = check_id(parent_id))
      return *bad;
    const json* parent = group_by_id(c.cell.security_groups, parent_id.get<std::string>());
    if (!parent)
      return api_error(msg::errc::not_found, "Security group " + parent_id.get<std::string>() + " does not exist");
    const json group_id = sg_rule.value("group_id", json());
    json group_data = nullptr;
    if (!group_id.is_null()) {
      if (auto bad = check_id(group_id))
        return *bad;
      const json* source = group_by_id(c.cell.security_groups, group_id.get<std::string>());
      if (!source)
        return api_error(msg::errc::not_found, "Security group " + group_id.get<std::string>() + " does not exist");
      group_data = {{"name", str(*source, "name")}, {"tenant_id", str(*source, "project_id")}};
    }
    std::string cidr;
    if (group_id.is_null()) {
      const json given = sg_rule.value("cidr", json());
      auto parsed = parse_cidr(given);
      if (!parsed)
        return bad_request((given.is_string() ? given.get<std::string>() : given.dump()) +
                           " is not a valid IP network.");
      cidr = *parsed;
    }
    std::optional<json> rule;
    if (auto bad = new_ingress_rule(sg_rule.value("ip_protocol", json()), sg_rule.value("from_port", json()),
                                    sg_rule.value("to_port", json()), group_id, cidr, rule))
      return *bad;
    if (!rule)
      return bad_request("Not enough parameters to build a valid rule.");
    if (rule->contains("cidr")) {
      const auto slash = cidr.find('/');
      const std::string net = cidr.substr(0, slash), prefix = cidr.substr(slash + 1);
      if (net != "0.0.0.0" && net != "::" && prefix == "0")
        return bad_request("Bad prefix for network in cidr " + cidr);
    }
    // Nova's _rule_exists, over the group's rules as its driver shows them.
    for (auto& existing : parent->value("security_group_rules", json::array())) {
      if (str(existing, "direction") != "ingress")
        continue;
      const json e = driver_rule(existing);
      bool same = true;
      for (const char* k : {"group_id", "cidr", "from_port", "to_port", "protocol"})
        same = same && e.value(k, json()) == rule->value(k, json());
      if (same)
        return bad_request("This rule already exists in group " + parent_id.get<std::string>());
    }
    // Nova's _make_neutron_security_group_rules_list: ingress, IPv4 unless the cidr is IPv6.
    json body{{"direction", "ingress"},
              {"protocol", rule->value("protocol", json())},
              {"ethertype", cidr.find(':') != std::string::npos ? "IPv6" : "IPv4"},
              {"remote_ip_prefix", rule->contains("cidr") ? json(cidr) : json()},
              {"security_group_id", parent_id},
              {"remote_group_id", group_id}};
    if (rule->contains("from_port") && (*rule)["from_port"] != -1)
      body["port_range_min"] = (*rule)["from_port"];
    if (rule->contains("to_port") && (*rule)["to_port"] != -1)
      body["port_range_max"] = (*rule)["to_port"];
    network_plan plan;
    plan.calls.push_back(network_call("create_security_group_rule", {}, {{"security_group_rule", body}}));
    plan.done = [groups = c.cell.security_groups, group_data](const msg::api_call_reply& last) -> api_support::api_answer {
      if (last.status >= 300) // a duplicate or the quota: Nova's limit exceeded
        return neutron_failure(last, {{409, msg::errc::forbidden}});
      const json made = json::parse(last.body, nullptr, false).value("security_group_rule", json::object());
      return api_json(200, {{"security_group_rule", rule_view(groups, made, group_data).value_or(json::object())}});
    };
    return via_network(std::move(plan));
  });

  proxy("os_compute_api:os-security-groups:rule:delete", [](compute_call& c) -> compute_result {
    const auto id = c.call.path("security_group_rule_id");
    if (auto bad = check_id(id))
      return *bad;
    bool found = false;
    for (auto& g : c.cell.security_groups)
      for (auto& r : g.value("security_group_rules", json::array()))
        found = found || str(r, "id") == id;
    if (!found)
      return api_error(msg::errc::not_found, "Security group rule " + id + " does not exist");
    network_plan plan;
    plan.calls.push_back(network_call("delete_security_group_rule", {{"security_group_rule_id", id}}, nullptr));
    plan.done = [](const msg::api_call_reply& last) -> api_support::api_answer {
      return last.status >= 300 ? neutron_failure(last) : accepted();
    };
    return via_network(std::move(plan));
  });

  // -- a server's groups (every microversion) ---------------------------------------------
  add("os_compute_api:os-security-groups:list", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    std::vector<json> groups;
    for (const json* p : server_ports(c, str(*x, "uuid")))
      for (auto& id : p->value("security_groups", json::array()))
        if (const json* g = id.is_string() ? group_by_id(c.cell.security_groups, id.get<std::string>()) : nullptr)
          groups.push_back(group_view(c.cell.security_groups, *g));
    return api_json(200, {{"security_groups", sorted_groups(std::move(groups))}});
  });
}

} // namespace stratus::compute
