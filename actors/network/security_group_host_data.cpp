// What an agent needs to enforce the security groups of its host's ports:
// each group's rules, and the addresses of the groups those rules name as
// remote_group_id (Neutron's security_group_info_for_devices RPC).

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// A rule as the agent reads it: only what decides what passes.
json enforced_part(const json& rule) {
  json out = json::object();
  for (const char* key : {"id", "direction", "ethertype", "protocol", "port_range_min",
                          "port_range_max", "remote_ip_prefix", "remote_group_id"})
    out[key] = rule.value(key, json());
  return out;
}

/// Adds an address (or CIDR of an allowed address pair) to its family's list.
void add_member(json& members, const std::string& address) {
  members[address.find(':') == std::string::npos ? "IPv4" : "IPv6"].push_back(address);
}

} // namespace

json network_api::host_security_groups(const json& bindings) const {
  std::set<std::string> groups;
  for (auto& b : bindings)
    if (b.value("port_security_enabled", false))
      for (auto& g : b.value("security_groups", json::array()))
        groups.insert(g.get<std::string>());
  json out{{"groups", json::object()}, {"members", json::object()}};
  std::set<std::string> remote_groups;
  for (auto& group : groups) {
    // Rules never change, they come and go: the same rule ids give the
    // same text, kept from the last answer (to any host).
    const std::set<std::string>& rule_ids = model_.rules_of(group);
    auto& cached = rules_text_.cache[group];
    if (cached.rule_ids != rule_ids || cached.text.empty()) {
      json rules = json::array();
      cached.remote_groups.clear();
      for (auto& rule_id : rule_ids)
        if (const json* rule = model_.find(kinds::security_group_rule, rule_id)) {
          rules.push_back(enforced_part(*rule));
          if (auto remote = str(*rule, "remote_group_id"); !remote.empty())
            cached.remote_groups.insert(remote);
        }
      cached.rule_ids = rule_ids;
      cached.text = rules.dump();
    }
    remote_groups.insert(cached.remote_groups.begin(), cached.remote_groups.end());
    out["groups"][group] = cached.text;
  }
  for (auto& group : remote_groups) {
    json members{{"IPv4", json::array()}, {"IPv6", json::array()}};
    for (auto& port_id : model_.ports_in_group(group)) {
      const json& p = *model_.find(kinds::port, port_id);
      for (auto& ip : p.value("fixed_ips", json::array()))
        add_member(members, str(ip, "ip_address"));
      for (auto& pair : p.value("allowed_address_pairs", json::array()))
        add_member(members, str(pair, "ip_address"));
    }
    out["members"][group] = std::move(members);
  }
  return out;
}

} // namespace stratus::network
