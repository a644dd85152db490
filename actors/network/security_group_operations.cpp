// Security groups and their rules (the API; enforcement on the hosts is
// the agents' next step). Every project gets its `default` group on first
// use, with Neutron's rules: all egress, ingress from the group's members.
// https://docs.openstack.org/api-ref/network/v2/#security-groups-security-groups
// https://docs.openstack.org/api-ref/network/v2/#security-group-rules-security-group-rules

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

const std::vector<std::string> group_attributes{"name", "description", "project_id", "tenant_id",
                                                "stateful"};
const std::vector<std::string> rule_attributes{
    "security_group_id", "direction",     "ethertype",        "protocol",
    "port_range_min",    "port_range_max", "remote_ip_prefix", "remote_group_id",
    "description",       "project_id",     "tenant_id",        "remote_address_group_id"};

/// Protocol names Neutron accepts, with their IP protocol numbers.
const std::map<std::string, int>& protocol_numbers() {
  static const std::map<std::string, int> numbers{
      {"ah", 51},   {"dccp", 33},  {"egp", 8},    {"esp", 50},  {"gre", 47},
      {"icmp", 1},  {"icmpv6", 58}, {"igmp", 2},  {"ipip", 4},  {"ipv6-encap", 41},
      {"ipv6-frag", 44}, {"ipv6-icmp", 58}, {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
      {"ipv6-route", 43}, {"ospf", 89}, {"pgm", 113}, {"rsvp", 46}, {"sctp", 132},
      {"tcp", 6},   {"udp", 17},   {"udplite", 136}, {"vrrp", 112}};
  return numbers;
}

/// The rule's protocol as a number, -1 for any; nothing if it is not one.
std::optional<int> protocol_number(const json& protocol) {
  if (protocol.is_null())
    return -1;
  if (protocol.is_number_integer()) {
    const int n = protocol.get<int>();
    return n >= 0 && n <= 255 ? std::optional<int>(n) : std::nullopt;
  }
  if (!protocol.is_string())
    return std::nullopt;
  std::string p = protocol.get<std::string>();
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  if (p == "any" || p.empty())
    return -1;
  if (!p.empty() && p.size() <= 3 && p.find_first_not_of("0123456789") == std::string::npos) {
    const int n = std::stoi(p);
    return n <= 255 ? std::optional<int>(n) : std::nullopt;
  }
  auto it = protocol_numbers().find(p);
  return it == protocol_numbers().end() ? std::nullopt : std::optional<int>(it->second);
}

/// A port bound: 0..65535 for TCP/UDP/SCTP/DCCP/UDP-Lite, 0..255 (ICMP
/// type and code); null is absent.
std::optional<int64_t> bound(const json& value) {
  if (value.is_null())
    return std::nullopt;
  if (value.is_number_integer())
    return value.get<int64_t>();
  if (value.is_string() && !value.get<std::string>().empty() && value.get<std::string>().size() < 7 &&
      value.get<std::string>().find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(value.get<std::string>());
  return int64_t{-1}; // not a number: refused below
}

api_result group_missing(const std::string& id) {
  return neutron_error(404, "SecurityGroupNotFound", "Security group " + id + " does not exist");
}

api_result rule_missing(const std::string& id) {
  return neutron_error(404, "SecurityGroupRuleNotFound",
                       "Security group rule " + id + " does not exist");
}

/// The comparable content of a rule, for Neutron's duplicate check.
json rule_key(const json& r) {
  json k = r;
  for (const char* volatile_key : {"id", "description", "created_at", "updated_at",
                                   "revision_number", "tags", "project_id", "tenant_id", "name"})
    k.erase(volatile_key);
  return k;
}

} // namespace

json network_api::default_rules(const std::string& group_id, const std::string& project,
                                int64_t now) {
  json rules = json::array();
  for (const char* direction : {"egress", "ingress"})
    for (const char* ethertype : {"IPv4", "IPv6"}) {
      json r{{"id", runtime::new_uuid()},
             {"security_group_id", group_id},
             {"direction", direction},
             {"ethertype", ethertype},
             {"protocol", nullptr},
             {"port_range_min", nullptr},
             {"port_range_max", nullptr},
             {"remote_ip_prefix", nullptr},
             {"remote_group_id", std::string{direction} == "ingress" ? json(group_id) : json()},
             {"remote_address_group_id", nullptr},
             {"description", ""},
             {"project_id", project},
             {"tenant_id", project},
             {"created_at", iso_time(now)},
             {"updated_at", iso_time(now)},
             {"revision_number", 0}};
      rules.push_back(r);
    }
  return rules;
}

const json* network_api::default_group_of(const std::string& project) const {
  for (auto& [id, g] : model_.security_groups())
    if (str(g, "project_id") == project && str(g, "name") == "default")
      return &g;
  return nullptr;
}

std::string network_api::ensure_default_group(const std::string& project, model_edit& edit,
                                              int64_t now) {
  if (const json* g = default_group_of(project))
    return str(*g, "id");
  const std::string id = runtime::new_uuid();
  const auto stamp = iso_time(now);
  edit.put(kinds::security_group, id,
           {{"id", id},
            {"name", "default"},
            {"description", "Default security group"},
            {"project_id", project},
            {"tenant_id", project},
            {"stateful", true},
            {"tags", json::array()},
            {"created_at", stamp},
            {"updated_at", stamp},
            {"revision_number", 0}});
  for (auto& r : default_rules(id, project, now))
    edit.put(kinds::security_group_rule, str(r, "id"), r);
  // One default group per project, even if two servers race to make it.
  edit.take_guard(kinds::default_group_guard, project, {{"security_group_id", id}});
  return id;
}

void network_api::add_security_group_operations() {
  auto render = [this](const json& g) {
    json out = g;
    json rules = json::array();
    for (auto& rid : model_.rules_of(str(g, "id")))
      rules.push_back(*model_.find(kinds::security_group_rule, rid));
    out["security_group_rules"] = rules;
    return out;
  };

  add("create_security_group", [this, render](network_call& c) -> api_result {
    const json body = c.call.body.value("security_group", json());
    if (auto bad = check_body(c, body, group_attributes, "create_security_group", {}))
      return *bad;
    if (str(body, "name") == "default")
      return neutron_error(409, "SecurityGroupDefaultAlreadyExists",
                           "Default security group already exists.");
    model_edit edit(model_);
    const std::string id = runtime::new_uuid();
    json g = standard_attributes(c, body, id);
    const auto project = str(g, "project_id");
    if (auto over = over_quota(kinds::security_group, project))
      return *over;
    ensure_default_group(project, edit, c.call.now);
    g["stateful"] = body.value("stateful", true);
    edit.put(kinds::security_group, id, g);
    // A new group lets everything out, as Neutron's do.
    for (auto& r : default_rules(id, project, c.call.now))
      if (str(r, "direction") == "egress")
        edit.put(kinds::security_group_rule, str(r, "id"), r);
    return committed(json_reply(201, {{"security_group", select_fields(c, render(g))}}), edit);
  });

  add("get_security_group", [this, render](network_call& c) -> api_result {
    const auto id = c.call.path("security_group_id");
    if (id.empty()) {
      // Listing is a project's first use: its default group appears.
      model_edit edit(model_);
      if (!c.project.empty())
        ensure_default_group(c.project, edit, c.call.now);
      std::vector<const json*> shown;
      for (auto& [gid, g] : model_.security_groups())
        if (owns(c, g))
          shown.push_back(&g);
      return committed(list_reply(c, "security_groups", shown, render), edit);
    }
    const json* g = model_.find(kinds::security_group, id);
    if (!g || !owns(c, *g))
      return group_missing(id);
    return json_reply(200, {{"security_group", select_fields(c, render(*g))}});
  });

  add("update_security_group", [this, render](network_call& c) -> api_result {
    const auto id = c.call.path("security_group_id");
    const json* g = model_.find(kinds::security_group, id);
    if (!g || !owns(c, *g))
      return group_missing(id);
    const json body = c.call.body.value("security_group", json());
    if (auto bad = check_body(c, body, group_attributes, "update_security_group", {}))
      return *bad;
    if (str(*g, "name") == "default" && body.contains("name") && body["name"] != "default")
      return neutron_error(409, "SecurityGroupCannotUpdateDefault",
                           "Updating default security group not allowed.");
    json updated = *g;
    for (const char* key : {"name", "description", "stateful"})
      if (body.contains(key))
        updated[key] = body[key];
    model_edit edit(model_);
    return put_updated(c, edit, kinds::security_group, id, std::move(updated), render);
  });

  add("delete_security_group", [this](network_call& c) -> api_result {
    const auto id = c.call.path("security_group_id");
    const json* g = model_.find(kinds::security_group, id);
    if (!g || !owns(c, *g))
      return group_missing(id);
    if (!model_.ports_in_group(id).empty())
      return neutron_error(409, "SecurityGroupInUse",
                           "Security Group " + id + " in use.");
    if (str(*g, "name") == "default" && !c.admin)
      return neutron_error(409, "SecurityGroupCannotRemoveDefault",
                           "Removing default security group not allowed.");
    model_edit edit(model_);
    const std::set<std::string> rules = model_.rules_of(id);
    for (auto& rid : rules)
      edit.erase(kinds::security_group_rule, rid);
    if (str(*g, "name") == "default")
      edit.drop_guard(kinds::default_group_guard, str(*g, "project_id"));
    edit.erase(kinds::security_group, id);
    return committed(api_support::api_no_content(), edit);
  });

  // -- rules -------------------------------------------------------------------------
  add("create_security_group_rule", [this](network_call& c) -> api_result {
    const json body = c.call.body.value("security_group_rule", json());
    if (auto bad = check_body(c, body, rule_attributes, "create_security_group_rule", {}))
      return *bad;
    const auto group_id = str(body, "security_group_id");
    const json* g = model_.find(kinds::security_group, group_id);
    if (group_id.empty())
      return neutron_error(400, "HTTPBadRequest", "Failed to parse request. Required attribute "
                                                  "'security_group_id' not specified");
    if (!g || !owns(c, *g))
      return group_missing(group_id);
    const auto direction = str(body, "direction");
    if (direction != "ingress" && direction != "egress")
      return invalid_input("'" + body.value("direction", json()).dump() +
                           "' is not in ['ingress', 'egress']");
    const json ethertype = body.value("ethertype", json("IPv4"));
    if (ethertype != "IPv4" && ethertype != "IPv6")
      return neutron_error(400, "SecurityGroupRuleInvalidEtherType",
                           "Security group rule for ethertype '" + ethertype.dump() +
                               "' not supported. Allowed values are ['IPv4', 'IPv6'].");
    const json protocol = body.value("protocol", json());
    const auto number = protocol_number(protocol);
    if (!number)
      return neutron_error(400, "SecurityGroupRuleInvalidProtocol",
                           "Security group rule protocol " + protocol.dump() +
                               " not supported. Only protocol values [None, 'ah', 'dccp', 'egp', "
                               "'esp', 'gre', 'icmp', 'icmpv6', 'igmp', 'ipip', 'ipv6-encap', "
                               "'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', 'ipv6-opts', "
                               "'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', "
                               "'udplite', 'vrrp'] and integer representations [0 to 255] are "
                               "supported.");
    const auto low = bound(body.value("port_range_min", json()));
    const auto high = bound(body.value("port_range_max", json()));
    const bool ports = *number == 6 || *number == 17 || *number == 132 || *number == 33 ||
                       *number == 136;
    const bool icmp = *number == 1 || *number == 58;
    if ((low && *low < 0) || (high && *high < 0))
      return invalid_input("port_range_min and port_range_max must be integers");
    if ((low || high) && !ports && !icmp)
      return neutron_error(400, "SecurityGroupProtocolRequiredWithPorts",
                           "Must also specify protocol if port range is given.");
    if (ports && (low || high)) {
      if (!low || !high || *low < 1 || *high > 65535 || *low > *high)
        return neutron_error(400, "SecurityGroupInvalidPortRange",
                             "For TCP/UDP protocols, port_range_min must be <= port_range_max");
    }
    if (icmp && ((low && *low > 255) || (high && *high > 255) || (high && !low)))
      return neutron_error(400, "SecurityGroupInvalidIcmpValue",
                           "Invalid value for ICMP type or code: type and code must be at most "
                           "255, and a code needs a type.");
    json prefix = body.value("remote_ip_prefix", json());
    const json remote_group = body.value("remote_group_id", json());
    if (!prefix.is_null() && !remote_group.is_null())
      return neutron_error(400, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                           "Only remote_ip_prefix or remote_group_id may be provided.");
    if (!prefix.is_null()) {
      std::string text = prefix.is_string() ? prefix.get<std::string>() : "";
      if (text.find('/') == std::string::npos)
        text += text.find(':') == std::string::npos ? "/32" : "/128";
      auto cidr = ip_network::parse(text);
      if (!cidr)
        return invalid_input("'" + prefix.dump() + "' is not a valid IP prefix");
      if ((cidr->base.version == 4) != (ethertype == "IPv4"))
        return neutron_error(400, "SecurityGroupRuleParameterConflict",
                             "Conflicting value ethertype " + ethertype.get<std::string>() +
                                 " for CIDR " + cidr->str());
      prefix = cidr->str();
    }
    if (!remote_group.is_null()) {
      const json* rg = model_.find(kinds::security_group, remote_group.is_string() ? remote_group.get<std::string>() : "");
      if (!rg || !owns(c, *rg))
        return group_missing(str(body, "remote_group_id"));
    }
    const std::string id = runtime::new_uuid();
    json r = standard_attributes(c, body, id);
    r.erase("name");
    r.erase("tags");
    const auto project = str(r, "project_id");
    if (auto over = over_quota(kinds::security_group_rule, project))
      return *over;
    r["security_group_id"] = group_id;
    r["direction"] = direction;
    r["ethertype"] = ethertype;
    r["protocol"] = protocol.is_null() ? json() : protocol.is_string() ? json(protocol) : json(std::to_string(*number));
    r["port_range_min"] = low ? json(*low) : json();
    r["port_range_max"] = high ? json(*high) : json();
    r["remote_ip_prefix"] = prefix;
    r["remote_group_id"] = remote_group;
    r["remote_address_group_id"] = nullptr;
    for (auto& other : model_.rules_of(group_id))
      if (rule_key(*model_.find(kinds::security_group_rule, other)) == rule_key(r))
        return neutron_error(409, "SecurityGroupRuleExists",
                             "Security group rule already exists. Rule id is " + other + ".");
    model_edit edit(model_);
    edit.put(kinds::security_group_rule, id, r);
    json g_updated = *g;
    touch(g_updated, c.call.now); // a group's revision moves with its rules
    edit.put(kinds::security_group, group_id, g_updated);
    return committed(json_reply(201, {{"security_group_rule", select_fields(c, r)}}), edit);
  });

  add("get_security_group_rule", [this](network_call& c) -> api_result {
    const auto id = c.call.path("security_group_rule_id");
    if (id.empty()) {
      std::vector<const json*> shown;
      for (auto& [rid, r] : model_.security_group_rules())
        if (owns(c, r))
          shown.push_back(&r);
      return list_reply(c, "security_group_rules", shown, [](const json& r) { return r; });
    }
    const json* r = model_.find(kinds::security_group_rule, id);
    if (!r || !owns(c, *r))
      return rule_missing(id);
    return json_reply(200, {{"security_group_rule", select_fields(c, *r)}});
  });

  add("delete_security_group_rule", [this](network_call& c) -> api_result {
    const auto id = c.call.path("security_group_rule_id");
    const json* r = model_.find(kinds::security_group_rule, id);
    if (!r || !owns(c, *r))
      return rule_missing(id);
    model_edit edit(model_);
    const auto group_id = str(*r, "security_group_id");
    edit.erase(kinds::security_group_rule, id);
    if (const json* g = model_.find(kinds::security_group, group_id)) {
      json g_updated = *g;
      touch(g_updated, c.call.now);
      edit.put(kinds::security_group, group_id, g_updated);
    }
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
