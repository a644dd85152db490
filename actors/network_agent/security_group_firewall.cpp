#include "actors/network_agent/security_group_firewall.hpp"

#include <cstdio>
#include <stdexcept>

#include "actors/common/json_fields.hpp"
#include "actors/network/ip_address.hpp"

namespace stratus::network_agent {
namespace {

using json = nlohmann::json;
using json_fields::str;
using nftables::nft_chain;

/// IP protocol numbers of the names Neutron accepts in a rule.
int protocol_number(const std::string& protocol) {
  static const std::map<std::string, int> names{
      {"ah", 51},        {"dccp", 33},       {"egp", 8},        {"esp", 50},
      {"gre", 47},       {"hopopt", 0},      {"icmp", 1},       {"igmp", 2},
      {"ipip", 4},       {"ipv6-encap", 41}, {"ipv6-frag", 44}, {"ipv6-icmp", 58},
      {"icmpv6", 58},    {"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"ipv6-route", 43},
      {"ospf", 89},      {"pgm", 113},       {"rsvp", 46},      {"sctp", 132},
      {"tcp", 6},        {"udp", 17},        {"udplite", 136},  {"vrrp", 112}};
  if (auto it = names.find(protocol); it != names.end())
    return it->second;
  try {
    return std::stoi(protocol);
  } catch (const std::exception&) {
    return -1; // the server checked it: a name this agent does not know
  }
}

std::string number_text(const json& v) {
  return v.is_number() ? std::to_string(v.get<int64_t>()) : "";
}

/// The rule's protocol part: ports for the protocols that have them, ICMP
/// type and code (Neutron keeps them in the port range) for ICMP.
std::string protocol_match(const json& rule, bool v6) {
  const json protocol = rule.value("protocol", json());
  std::string name = protocol.is_string() ? protocol.get<std::string>()
                     : protocol.is_number() ? std::to_string(protocol.get<int>())
                                            : "";
  if (name.empty() || name == "any")
    return "";
  const int number = protocol_number(name);
  const std::string min = number_text(rule.value("port_range_min", json()));
  const std::string max = number_text(rule.value("port_range_max", json()));
  static const std::map<int, std::string> with_ports{
      {6, "tcp"}, {17, "udp"}, {132, "sctp"}, {136, "udplite"}};
  if (auto it = with_ports.find(number); it != with_ports.end()) {
    if (min.empty())
      return "meta l4proto " + it->second;
    return it->second + " dport " + (max.empty() || max == min ? min : min + "-" + max);
  }
  if (number == 1 || number == 58) { // Neutron takes "icmp" on IPv6 rules as ICMPv6
    const std::string icmp = v6 ? "icmpv6" : "icmp";
    if (min.empty())
      return "meta l4proto " + std::string(v6 ? "ipv6-icmp" : "icmp");
    return icmp + " type " + min + (max.empty() ? "" : " " + icmp + " code " + max);
  }
  if (number < 0)
    throw std::invalid_argument("unknown protocol " + name);
  return "meta l4proto " + std::to_string(number);
}

/// fe80::/64 address a port's MAC gives it (EUI-64).
std::string link_local(const std::string& mac) {
  unsigned b[6] = {};
  if (std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    return "";
  char out[64];
  std::snprintf(out, sizeof out, "fe80::%x:%x:%x:%x", ((b[0] ^ 2u) << 8) | b[1], (b[2] << 8) | 0xffu,
                0xfe00u | b[3], (b[4] << 8) | b[5]);
  return out;
}

/// Addresses as one nft anonymous set, overlaps left out ("{ a, b/24 }").
std::string address_set(const std::set<std::string>& addresses) {
  std::vector<network::ip_network> nets;
  for (auto& a : addresses) {
    auto n = network::ip_network::parse(a.find('/') == std::string::npos
                                            ? a + (a.find(':') == std::string::npos ? "/32" : "/128")
                                            : a);
    if (n)
      nets.push_back(*n);
  }
  std::string out;
  for (std::size_t i = 0; i < nets.size(); ++i) {
    bool covered = false; // by another, larger network (or an equal earlier one)
    for (std::size_t j = 0; j < nets.size() && !covered; ++j)
      covered = j != i && nets[j].overlaps(nets[i]) &&
                (nets[j].prefix < nets[i].prefix || (nets[j].prefix == nets[i].prefix && j < i));
    if (!covered) {
      const bool host = nets[i].prefix == (nets[i].base.version == 4 ? 32 : 128);
      out += (out.empty() ? "" : ", ") + (host ? nets[i].base.str() : nets[i].str());
    }
  }
  return "{ " + out + " }";
}

/// What the port may send from: its MACs, IPv4 and IPv6 addresses.
struct port_identity {
  std::set<std::string> macs, v4, v6;
};

port_identity identity_of(const json& port) {
  port_identity id;
  const std::string mac = str(port, "mac_address");
  id.macs.insert(mac);
  auto add = [&id](const std::string& address) {
    (address.find(':') == std::string::npos ? id.v4 : id.v6).insert(address);
  };
  for (auto& ip : port.value("fixed_ips", json::array()))
    add(str(ip, "ip_address"));
  for (auto& pair : port.value("allowed_address_pairs", json::array())) {
    add(str(pair, "ip_address"));
    const std::string pair_mac = str(pair, "mac_address");
    id.macs.insert(pair_mac.empty() ? mac : pair_mac);
    if (!pair_mac.empty() && pair_mac != mac)
      id.v6.insert(link_local(pair_mac));
  }
  id.v6.insert(link_local(mac));
  return id;
}

/// The port's anti-spoofing chain (bridge table), ending in its mark.
nft_chain spoofing_checks(const json& port, uint32_t mark) {
  const port_identity id = identity_of(port);
  const std::string set_mark = "meta mark set " + std::to_string(mark);
  std::string macs;
  for (auto& m : id.macs)
    macs += (macs.empty() ? "" : ", ") + m;
  nft_chain c;
  c.rules.push_back("ether saddr != { " + macs + " } drop");
  // IPv4 (and ARP): own addresses only; a DHCP client may send from 0.0.0.0.
  c.rules.push_back("meta protocol ip ip saddr 0.0.0.0 udp sport 68 udp dport 67 " + set_mark +
                    " return");
  if (id.v4.empty()) {
    c.rules.push_back("meta protocol ip drop");
    c.rules.push_back("meta protocol arp arp saddr ip != 0.0.0.0 drop");
  } else {
    c.rules.push_back("meta protocol ip ip saddr != " + address_set(id.v4) + " drop");
    c.rules.push_back("meta protocol arp arp saddr ip != " +
                      address_set([&] { auto s = id.v4; s.insert("0.0.0.0"); return s; }()) + " drop");
  }
  c.rules.push_back("meta protocol ip udp sport 67 drop"); // no DHCP servers among guests
  // IPv6: own and link-local addresses; "::" only for duplicate address detection.
  c.rules.push_back("meta protocol ip6 ip6 saddr :: icmpv6 type { nd-neighbor-solicit, "
                    "nd-router-solicit, mld2-listener-report } " + set_mark + " return");
  c.rules.push_back("meta protocol ip6 ip6 saddr != " + address_set(id.v6) + " drop");
  c.rules.push_back("meta protocol ip6 icmpv6 type nd-router-advert drop");
  c.rules.push_back("meta protocol ip6 udp sport 547 drop"); // nor DHCPv6 servers
  c.rules.push_back(set_mark);
  return c;
}

/// A port's chain for one direction: established traffic, what Neutron
/// always lets through (DHCP, neighbour discovery), its groups, else drop.
nft_chain port_chain(const json& port, bool ingress) {
  nft_chain c;
  c.rules = {"ct state established,related accept", "ct state invalid drop"};
  if (ingress) {
    c.rules.push_back("meta nfproto ipv4 udp sport 67 udp dport 68 accept");
    c.rules.push_back("meta nfproto ipv6 udp sport 547 udp dport 546 accept");
    c.rules.push_back("icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, "
                      "mld-listener-query } accept");
  } else {
    c.rules.push_back("meta nfproto ipv4 udp sport 68 udp dport 67 accept");
    c.rules.push_back("meta nfproto ipv6 udp sport 546 udp dport 547 accept");
    c.rules.push_back("icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, "
                      "mld-listener-report, mld2-listener-report } accept");
  }
  for (auto& g : port.value("security_groups", json::array()))
    c.rules.push_back("jump sg_" + std::string(ingress ? "in_" : "out_") + g.get<std::string>());
  c.rules.push_back("drop");
  return c;
}

bool filtered(const json& port) {
  return port.value("port_security_enabled", false) && !str(port, "tap").empty() &&
         str(port, "device_owner").rfind("network:", 0) != 0;
}

/// One of 16 buckets for a rule, from its id (FNV-1a).
std::string bucket_of(const std::string& rule_id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : rule_id)
    h = (h ^ c) * 16777619u;
  return std::string(1, "0123456789abcdef"[h % 16]);
}

std::string hex(uint32_t v) {
  char out[16];
  std::snprintf(out, sizeof out, "0x%x", v);
  return out;
}

} // namespace

uint32_t stable_numbers::of(const std::string& name) {
  if (auto it = numbers_.find(name); it != numbers_.end())
    return it->second;
  uint32_t n = 1;
  while (taken_.count(n))
    ++n;
  if (n > 0xffff)
    throw std::runtime_error("more than 65535 filtered ports on one host");
  taken_.insert(n);
  numbers_[name] = n;
  return n;
}

void stable_numbers::keep_only(const std::set<std::string>& names) {
  for (auto it = numbers_.begin(); it != numbers_.end();)
    if (names.count(it->first)) {
      ++it;
    } else {
      taken_.erase(it->second);
      it = numbers_.erase(it);
    }
}

std::string security_group_rule_text(const json& rule) {
  const bool v6 = str(rule, "ethertype") == "IPv6";
  const std::string ip = v6 ? "ip6" : "ip";
  const std::string side = str(rule, "direction") == "ingress" ? "saddr" : "daddr";
  std::string text = v6 ? "meta nfproto ipv6" : "meta nfproto ipv4";
  if (auto prefix = str(rule, "remote_ip_prefix"); !prefix.empty()) {
    if ((prefix.find(':') != std::string::npos) != v6)
      return "";
    if (prefix != "0.0.0.0/0" && prefix != "::/0")
      text += " " + ip + " " + side + " " + prefix;
  } else if (auto group = str(rule, "remote_group_id"); !group.empty()) {
    text += " " + ip + " " + side + " @members" + (v6 ? "6_" : "4_") + group;
  }
  if (auto proto = protocol_match(rule, v6); !proto.empty())
    text += " " + proto;
  return text + " accept";
}

namespace {

/// The chains of one group from its rules' text.
group_chains build_group_chains(const std::string& group, const std::string& rules_text) {
  group_chains built;
  built.rules_text = rules_text;
  const json rules = json::parse(rules_text, nullptr, false);
  // A group's rules are spread over buckets by rule id, so that a change
  // rewrites one small chain even in a group of thousands.
  std::map<std::string, nft_chain> buckets;
  std::set<std::string> sets_named;
  for (auto& rule : rules.is_array() ? rules : json::array()) {
    std::string text = security_group_rule_text(rule);
    if (text.empty())
      continue;
    if (auto remote = str(rule, "remote_group_id"); !remote.empty()) {
      const bool v6 = str(rule, "ethertype") == "IPv6";
      const std::string name = std::string("members") + (v6 ? "6_" : "4_") + remote;
      if (sets_named.insert(name).second)
        built.sets.push_back({name, remote, v6});
    }
    const std::string direction = str(rule, "direction") == "ingress" ? "in_" : "out_";
    buckets["sg_" + direction + group + "_" + bucket_of(str(rule, "id"))].rules.push_back(
        std::move(text));
  }
  nft_chain in, out;
  for (auto& [name, bucket] : buckets) {
    (name.rfind("sg_in_", 0) == 0 ? in : out).rules.push_back("jump " + name);
    built.chains[name] = std::move(bucket);
  }
  built.chains["sg_in_" + group] = std::move(in);
  built.chains["sg_out_" + group] = std::move(out);
  return built;
}

} // namespace

security_group_tables security_group_rules(const json& bindings, const json& security,
                                           firewall_memory& memory) {
  stable_numbers& marks = memory.marks;
  stable_numbers& zones = memory.zones;
  security_group_tables t;
  auto& bridge = t.bridge.chains;
  auto& inet = t.inet.chains;
  std::set<std::string> taps, bridges, groups;
  std::string source_map, destination_map, egress_map, ingress_map;
  auto item = [](std::string& list, const std::string& entry) {
    list += (list.empty() ? "" : ", ") + entry;
  };
  for (auto& port : bindings) {
    if (!filtered(port))
      continue;
    const std::string tap = str(port, "tap");
    const uint32_t mark = marks.of(tap);
    taps.insert(tap);
    bridges.insert(str(port, "bridge"));
    bridge["check_" + tap] = spoofing_checks(port, mark);
    bridge["mark_" + tap] = nft_chain{"", {"meta mark set meta mark | " + hex(mark << 16)}};
    inet["from_" + tap] = port_chain(port, false);
    inet["to_" + tap] = port_chain(port, true);
    item(source_map, "\"" + tap + "\" : jump check_" + tap);
    item(destination_map, "\"" + tap + "\" : jump mark_" + tap);
    item(egress_map, hex(mark) + " : goto from_" + tap);
    item(ingress_map, hex(mark << 16) + " : goto to_" + tap);
    for (auto& g : port.value("security_groups", json::array()))
      groups.insert(g.get<std::string>());
  }
  marks.keep_only(taps);
  zones.keep_only(bridges);

  auto base = [](const std::string& hook, const std::string& rule) {
    nft_chain c{"type filter hook " + hook + "; policy accept;", {}};
    if (!rule.empty())
      c.rules.push_back(rule);
    return c;
  };
  std::string zone_map;
  for (auto& b : bridges)
    item(zone_map, "\"" + b + "\" : " + std::to_string(zones.of(b)));
  bridge["source"] = base("prerouting priority -200",
                          source_map.empty() ? "" : "iifname vmap { " + source_map + " }");
  bridge["destination"] = base("forward priority -200", destination_map.empty()
                                                            ? ""
                                                            : "oifname vmap { " + destination_map + " }");
  inet["zones"] = base("prerouting priority -300",
                       zone_map.empty() ? "" : "ct zone set iifname map { " + zone_map + " }");
  inet["egress"] = base("forward priority 0",
                        egress_map.empty() ? "" : "meta mark & 0xffff vmap { " + egress_map + " }");
  inet["ingress"] = base("forward priority 10", ingress_map.empty()
                                                    ? ""
                                                    : "meta mark & 0xffff0000 vmap { " + ingress_map + " }");

  const json& rules_of = security.contains("groups") ? security["groups"] : json::object();
  const json& members = security.contains("members") ? security["members"] : json::object();
  for (auto& g : groups) {
    const std::string text =
        rules_of.contains(g) && rules_of[g].is_string() ? rules_of[g].get<std::string>() : "[]";
    auto& built = memory.groups[g];
    if (built.rules_text != text || built.chains.empty())
      built = build_group_chains(g, text);
    for (auto& [name, chain] : built.chains)
      inet[name] = chain;
    for (auto& s : built.sets) {
      auto& set = t.inet.sets[s.name];
      set.type = s.v6 ? "ipv6_addr" : "ipv4_addr";
      if (members.contains(s.remote_group))
        for (auto& a : members[s.remote_group].value(s.v6 ? "IPv6" : "IPv4", json::array()))
          set.elements.insert(a.get<std::string>());
    }
  }
  for (auto it = memory.groups.begin(); it != memory.groups.end();)
    it = groups.count(it->first) ? std::next(it) : memory.groups.erase(it);
  return t;
}

} // namespace stratus::network_agent
