#include "actors/scheduler/filter_scheduler.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace stratus::scheduler {
namespace {

const char* default_filters =
    "ComputeFilter,AvailabilityZoneFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,"
    "ServerGroupAffinityFilter,ForcedHostFilter";
const char* default_weighers = "RAMWeigher,CPUWeigher,DiskWeigher,BuildFailureWeigher,"
                               "ServerGroupSoftAffinityWeigher,ServerGroupSoftAntiAffinityWeigher";

std::vector<std::string> names_of(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ','))
    if (auto b = name.find_first_not_of(' '); b != std::string::npos)
      out.push_back(name.substr(b, name.find_last_not_of(' ') - b + 1));
  return out;
}

} // namespace

scheduler_config scheduler_config::from_names(const std::string& filters,
                                              const std::string& weighers,
                                              std::size_t host_subset_size) {
  scheduler_config c;
  for (auto& n : names_of(filters.empty() ? default_filters : filters)) {
    auto f = make_filter(n);
    if (!f)
      throw std::invalid_argument("unknown scheduler filter " + n);
    c.filters.push_back(std::move(f));
  }
  for (auto& n : names_of(weighers.empty() ? default_weighers : weighers)) {
    auto w = make_weigher(n);
    if (!w)
      throw std::invalid_argument("unknown scheduler weigher " + n);
    c.weighers.push_back(std::move(w));
  }
  c.host_subset_size = std::max<std::size_t>(1, host_subset_size);
  return c;
}

ranking rank_hosts(const scheduler_config& config, std::vector<host_state>& hosts,
                   const request_spec& spec, std::mt19937_64& random) {
  ranking r;
  std::vector<host_state*> left;
  left.reserve(hosts.size());
  for (auto& h : hosts)
    left.push_back(&h);
  r.counts.emplace_back("placement", left.size());
  for (auto& f : config.filters) {
    std::erase_if(left, [&](host_state* h) { return !f->host_passes(*h, spec); });
    r.counts.emplace_back(f->name(), left.size());
    if (left.empty()) {
      r.emptied_by = f->name();
      return r;
    }
  }
  // Weigh: each weigher's raw weights normalised to [0, 1] across the hosts.
  std::vector<double> total(left.size(), 0.0);
  std::vector<double> raw(left.size());
  for (auto& w : config.weighers) {
    for (std::size_t i = 0; i < left.size(); ++i)
      raw[i] = w->weigh(*left[i], spec);
    const auto [lo, hi] = std::minmax_element(raw.begin(), raw.end());
    const double range = *hi - *lo;
    if (range == 0)
      continue;
    for (std::size_t i = 0; i < left.size(); ++i)
      total[i] += w->multiplier() * (raw[i] - *lo) / range;
  }
  std::vector<std::size_t> order(left.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return total[a] > total[b]; });
  for (auto i : order)
    r.hosts.push_back(left[i]);
  // The pick: random among the best host_subset_size (spreads racing schedulers).
  const std::size_t subset = std::min(config.host_subset_size, r.hosts.size());
  std::uniform_int_distribution<std::size_t> pick(0, subset - 1);
  std::swap(r.hosts[0], r.hosts[pick(random)]);
  return r;
}

} // namespace stratus::scheduler
