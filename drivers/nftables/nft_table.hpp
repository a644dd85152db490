#pragma once
// An nftables table as data (its chains with their rules, its sets with
// their elements) and the commands that bring the kernel from one such
// table to another in a single transaction: only the chains and sets that
// differ are rewritten, so a one-rule change is a small, atomic update
// however large the table (https://wiki.nftables.org/wiki-nftables/index.php/Atomic_rule_replacement).

#include <map>
#include <set>
#include <string>
#include <vector>

namespace stratus::nftables {

struct nft_chain {
  /// For a base chain its hook ("type filter hook forward priority 0;
  /// policy accept;"), empty for a regular chain.
  std::string hook;
  std::vector<std::string> rules; // in nft syntax, without "add rule …"
  bool operator==(const nft_chain&) const = default;
};

struct nft_set {
  std::string type; // "ipv4_addr", "ipv6_addr"
  std::set<std::string> elements; // addresses or CIDRs (the set merges overlaps)
  bool operator==(const nft_set&) const = default;
};

struct nft_table {
  std::string family; // "inet", "bridge", "ip"…
  std::string name;
  std::map<std::string, nft_chain> chains;
  std::map<std::string, nft_set> sets;
  bool operator==(const nft_table&) const = default;
};

/// Commands that replace whatever table of that name exists with `table`.
std::string replace_commands(const nft_table& table);

/// Commands that turn `applied` (what the kernel holds) into `desired`;
/// empty when they are equal.
std::string change_commands(const nft_table& applied, const nft_table& desired);

/// Commands that remove the table, if it is there.
std::string remove_commands(const std::string& family, const std::string& name);

} // namespace stratus::nftables
