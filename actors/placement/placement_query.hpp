#pragma once
// The filters that GET /resource_providers and GET /allocation_candidates
// share, parsed from the query: resources=VCPU:1,MEMORY_MB:512,
// required=A,!B (and 1.39's in:A,B), member_of=in:a,b (repeatable since
// 1.24, !-negated since 1.32), in_tree=<uuid>.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/placement/placement_model.hpp"

namespace stratus::placement {

struct placement_call;

/// The most resource classes one request may name (a candidate has at most
/// one part per class).
constexpr std::size_t max_resource_classes = 16;

struct provider_filter {
  resource_amounts resources;
  std::set<std::string> required;                  // every one present
  std::vector<std::set<std::string>> required_any; // one of each set present (1.39)
  std::set<std::string> forbidden;                 // none present
  std::vector<std::set<std::string>> member_of;    // in one aggregate of each set
  std::set<std::string> not_member_of;             // in none
  std::string in_tree;
  std::set<std::string> root_required, root_forbidden; // 1.35

  /// Whether a set of traits passes required/forbidden.
  bool traits_pass(const std::set<std::string>& traits) const;
  /// Whether a set of aggregates passes member_of.
  bool aggregates_pass(const std::set<std::string>& aggregates) const;
};

/// Parses the filters of `c`'s query that its microversion allows; on bad
/// input returns the error detail (and leaves `out` incomplete).
std::optional<std::string> parse_filter(const placement_model& model, const placement_call& c,
                                        provider_filter& out);

} // namespace stratus::placement
