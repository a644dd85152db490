#pragma once
// Keeps the host's security-group tables (security_group_firewall) in the
// kernel: each pass rewrites only the chains and sets that changed, in one
// transaction; the first pass, one after a refused change (e.g. the table
// was deleted) and one every `full_every` (5 minutes) replace the tables
// whole, which also undoes hand edits inside them.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/network_agent/security_group_firewall.hpp"

namespace stratus::nftables {
class nftables_session;
}

namespace stratus::network_agent {

class firewall_sync {
public:
  /// `netns_path`: the host's namespace ("" = the agent's own).
  explicit firewall_sync(std::string netns_path,
                         std::chrono::seconds full_every = std::chrono::seconds(300));
  ~firewall_sync();

  /// Enforces the groups of `bindings`; what could not be done, and why.
  std::vector<std::string> sync(const nlohmann::json& bindings, const nlohmann::json& security);

private:
  void apply(security_group_tables desired);
  std::string netns_path_;
  std::chrono::seconds full_every_;
  std::unique_ptr<nftables::nftables_session> nft_;
  std::optional<security_group_tables> applied_;
  std::chrono::steady_clock::time_point last_full_;
  firewall_memory memory_;
};

} // namespace stratus::network_agent
