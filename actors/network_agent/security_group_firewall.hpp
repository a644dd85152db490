#pragma once
// Security groups as nftables rules on a host's bridges, as Neutron's
// iptables firewall driver enforces them, stateful and with anti-spoofing:
//
//  bridge table (frames, before the bridge forwards them):
//    source       iifname vmap → check_<tap>: the port may only send from
//                 its own MAC and addresses (and its allowed address pairs),
//                 may not answer DHCP or advertise routes; marks the frame
//                 with the port's number (low 16 bits);
//    destination  oifname vmap → mark_<tap>: adds the destination port's
//                 number (high 16 bits).
//  inet table (bridged IP, through br_netfilter, so conntrack applies):
//    zones        a conntrack zone per network bridge (overlapping CIDRs);
//    egress       by source mark → from_<tap>: established passes, then the
//                 groups' egress rules (sg_out_<group>), else drop;
//    ingress      by destination mark → to_<tap>: the same with ingress rules.
//  A group's rules are one chain per direction (sg_in_/sg_out_<group>),
//  shared by its ports, jumping to up to 16 buckets of them (…_<hex digit>,
//  by rule id) so that one rule's change rewrites a small chain; the
//  addresses of a remote group are a set (members4_/members6_<group>).
//  Ports without port security, and network:* ports (DHCP, routers), are
//  not filtered.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/nftables/nft_table.hpp"

namespace stratus::network_agent {

/// Small numbers for names (ports' marks, bridges' conntrack zones) that
/// stay the same from one pass to the next while the name is in use.
class stable_numbers {
public:
  /// The name's number (1…65535), given on first use.
  uint32_t of(const std::string& name);
  /// Frees the numbers of names not in `names`.
  void keep_only(const std::set<std::string>& names);

private:
  std::map<std::string, uint32_t> numbers_;
  std::set<uint32_t> taken_;
};

struct security_group_tables {
  nftables::nft_table bridge{"bridge", "stratus", {}, {}};
  nftables::nft_table inet{"inet", "stratus", {}, {}};
};

/// A group's chains as built from its rules' text, with the remote
/// groups' address sets they use.
struct group_chains {
  std::string rules_text;
  std::map<std::string, nftables::nft_chain> chains;
  struct member_set {
    std::string name, remote_group;
    bool v6 = false;
  };
  std::vector<member_set> sets;
};

/// What the agent carries from one pass to the next: the numbers it gave
/// and each group's chains, built again only when its rules change.
struct firewall_memory {
  stable_numbers marks, zones;
  std::map<std::string, group_chains> groups;
};

/// The tables that enforce the groups of `bindings` (the host's ports)
/// given `security` (the server's rules text per group and remote-group
/// members).
security_group_tables security_group_rules(const nlohmann::json& bindings,
                                           const nlohmann::json& security,
                                           firewall_memory& memory);

/// One rule of a group as an nft rule (without its verdict's chain), or ""
/// when it can never match (e.g. an IPv6 rule with an IPv4 prefix).
std::string security_group_rule_text(const nlohmann::json& rule);

} // namespace stratus::network_agent
