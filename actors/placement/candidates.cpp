#include "actors/placement/candidates.hpp"

#include <set>

#include "actors/placement/provider_rendering.hpp"

namespace stratus::placement {
namespace {

constexpr std::size_t max_combinations_per_tree = 64;

/// Whether the providers a candidate uses satisfy the trait and aggregate
/// filters: traits anywhere among them, aggregates on each or on the root.
bool candidate_passes(const placement_model& model, const provider_filter& filter,
                      const provider& root, const allocation_candidate& c) {
  std::set<std::string> traits = root.traits;
  bool members = true;
  for (auto& [uuid, amounts] : c.allocations) {
    const provider* p = model.find_provider(uuid);
    traits.insert(p->traits.begin(), p->traits.end());
    members = members && filter.aggregates_pass(p->aggregates);
  }
  return filter.traits_pass(traits) && (members || filter.aggregates_pass(root.aggregates));
}

void candidates_of_tree(const placement_model& model, const provider_filter& filter,
                        const provider& root, std::vector<allocation_candidate>& out,
                        std::size_t limit) {
  if (!filter.root_required.empty() || !filter.root_forbidden.empty()) {
    provider_filter root_filter;
    root_filter.required = filter.root_required;
    root_filter.forbidden = filter.root_forbidden;
    if (!root_filter.traits_pass(root.traits))
      return;
  }
  const auto& members = model.tree(root.uuid);
  // The common case: a tree of one provider that has it all.
  if (members.size() <= 1) {
    if (!fits(model, root, filter.resources))
      return;
    allocation_candidate c;
    c.allocations[root.uuid] = filter.resources;
    if (candidate_passes(model, filter, root, c))
      out.push_back(std::move(c));
    return;
  }
  // Which members can supply each class, then every combination.
  std::vector<std::pair<std::string, std::vector<std::string>>> options;
  for (auto& [rc, amount] : filter.resources) {
    std::vector<std::string> suppliers;
    for (auto& uuid : members)
      if (can_take(model, *model.find_provider(uuid), rc, amount))
        suppliers.push_back(uuid);
    if (suppliers.empty())
      return;
    options.emplace_back(rc, std::move(suppliers));
  }
  std::vector<std::size_t> pick(options.size(), 0);
  for (std::size_t made = 0; made < max_combinations_per_tree; ++made) {
    allocation_candidate c;
    for (std::size_t i = 0; i < options.size(); ++i) {
      const auto& rc = options[i].first;
      c.allocations[options[i].second[pick[i]]][rc] = filter.resources.at(rc);
    }
    // Classes are independent, so each checked alone fits together.
    if (candidate_passes(model, filter, root, c)) {
      out.push_back(std::move(c));
      if (limit && out.size() >= limit)
        return;
    }
    std::size_t i = 0;
    while (i < pick.size() && ++pick[i] == options[i].second.size())
      pick[i++] = 0;
    if (i == pick.size())
      return;
  }
}

} // namespace

std::vector<allocation_candidate> find_candidates(const placement_model& model,
                                                  const provider_filter& filter, std::size_t limit) {
  std::vector<allocation_candidate> out;
  if (filter.resources.empty())
    return out;
  std::string only_root;
  if (!filter.in_tree.empty()) {
    const provider* p = model.find_provider(filter.in_tree);
    if (!p)
      return out;
    only_root = p->root_uuid;
  }
  for (auto& [uuid, p] : model.providers()) {
    if (!p.parent_uuid.empty() || (!only_root.empty() && uuid != only_root))
      continue;
    candidates_of_tree(model, filter, p, out, limit);
    if (limit && out.size() >= limit) {
      out.resize(limit);
      break;
    }
  }
  return out;
}

} // namespace stratus::placement
