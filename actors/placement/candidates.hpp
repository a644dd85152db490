#pragma once
// GET /allocation_candidates without HTTP: which sets of providers could
// satisfy a request for resources, each set within one provider tree (a
// compute node, or a node and its children), honouring capacity
// ((total − reserved) × allocation_ratio − used), min_unit, max_unit,
// step_size, required and forbidden traits, member_of and in_tree.

#include <cstddef>
#include <string>
#include <vector>

#include "actors/placement/placement_model.hpp"
#include "actors/placement/placement_query.hpp"

namespace stratus::placement {

/// What one provider gives to a candidate.
struct candidate_part {
  const provider* from = nullptr;
  resource_amounts amounts; // empty: everything the request asks for
};

struct allocation_candidate {
  const provider* root = nullptr;
  std::vector<candidate_part> parts; // by provider, each provider once
  bool whole_tree = false;           // the root is its tree's only provider
};

/// The candidates for `filter.resources`, at most `limit` (0 = all), in
/// provider order. Trees offer every combination of their providers that
/// covers the request, up to a bound per tree. A candidate's providers
/// stay valid until the model changes.
std::vector<allocation_candidate> find_candidates(const placement_model& model,
                                                  const provider_filter& filter, std::size_t limit);

} // namespace stratus::placement
