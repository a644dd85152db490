#include "actors/placement/candidates.hpp"

#include <map>
#include <set>

#include "actors/placement/provider_rendering.hpp"

namespace stratus::placement {
namespace {

constexpr std::size_t max_combinations_per_tree = 64;

bool filters_traits_or_aggregates(const provider_filter& f) {
  return !f.required.empty() || !f.forbidden.empty() || !f.required_any.empty() ||
         !f.member_of.empty() || !f.not_member_of.empty();
}

/// Whether the providers a candidate uses satisfy the trait and aggregate
/// filters: traits anywhere among them, aggregates on each or on the root.
bool candidate_passes(const provider_filter& filter, const allocation_candidate& c) {
  if (!filters_traits_or_aggregates(filter))
    return true;
  std::set<std::string> traits = c.root->traits;
  bool members = true;
  for (auto& part : c.parts) {
    traits.insert(part.from->traits.begin(), part.from->traits.end());
    members = members && filter.aggregates_pass(part.from->aggregates);
  }
  return filter.traits_pass(traits) && (members || filter.aggregates_pass(c.root->aggregates));
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
    allocation_candidate c{&root, {{&root, {}}}, true};
    if (candidate_passes(filter, c))
      out.push_back(std::move(c));
    return;
  }
  // Which members can supply each class, then every combination.
  std::vector<std::pair<std::string, std::vector<const provider*>>> options;
  for (auto& [rc, amount] : filter.resources) {
    std::vector<const provider*> suppliers;
    for (auto& uuid : members)
      if (const provider* p = model.find_provider(uuid); can_take(model, *p, rc, amount))
        suppliers.push_back(p);
    if (suppliers.empty())
      return;
    options.emplace_back(rc, std::move(suppliers));
  }
  std::vector<std::size_t> pick(options.size(), 0);
  for (std::size_t made = 0; made < max_combinations_per_tree; ++made) {
    std::map<const provider*, resource_amounts> by_provider;
    for (std::size_t i = 0; i < options.size(); ++i) {
      const auto& rc = options[i].first;
      by_provider[options[i].second[pick[i]]][rc] = filter.resources.at(rc);
    }
    allocation_candidate c{&root, {}, false};
    for (auto& [p, amounts] : by_provider)
      c.parts.push_back({p, std::move(amounts)});
    // Classes are independent, so each checked alone fits together.
    if (candidate_passes(filter, c)) {
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
