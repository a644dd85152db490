#pragma once
// Nova's filter scheduler without the messaging: hosts → the filters, in
// order → the weighers (normalised, multiplied, summed) → one host picked at
// random among the best `host_subset_size`, the rest kept in order as
// alternates.

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "actors/scheduler/filters/host_filter.hpp"
#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {

struct scheduler_config {
  std::vector<std::unique_ptr<host_filter>> filters;
  std::vector<std::unique_ptr<host_weigher>> weighers;
  std::size_t host_subset_size = 1;

  /// Nova's defaults, or the named lists ("ComputeFilter,…"); unknown
  /// names throw std::invalid_argument.
  static scheduler_config from_names(const std::string& filters, const std::string& weighers,
                                     std::size_t host_subset_size);
};

struct ranking {
  std::vector<host_state*> hosts;                     // picked first, then alternates by weight
  std::vector<std::pair<std::string, std::size_t>> counts; // hosts left after each filter
  std::string emptied_by;                             // the filter that left none, if any
};

/// Filters, weighs and orders `hosts` for `spec`.
ranking rank_hosts(const scheduler_config& config, std::vector<host_state>& hosts,
                   const request_spec& spec, std::mt19937_64& random);

} // namespace stratus::scheduler
