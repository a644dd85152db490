#pragma once
// A weigher scores hosts that passed the filters (nova/weights.py): raw
// weights are normalised to [0, 1] across the hosts, multiplied by the
// weigher's multiplier and summed; the best sum wins.

#include <memory>
#include <string>

#include "actors/scheduler/host_state.hpp"
#include "actors/scheduler/request_spec.hpp"

namespace stratus::scheduler {

class host_weigher {
public:
  explicit host_weigher(double multiplier) : multiplier_(multiplier) {}
  virtual ~host_weigher() = default;
  /// Nova's class name ("RAMWeigher").
  virtual const char* name() const = 0;
  /// The raw weight of `host`; higher is better before the multiplier.
  virtual double weigh(const host_state& host, const request_spec& spec) const = 0;
  double multiplier() const {
    return multiplier_;
  }

private:
  double multiplier_;
};

/// Free RAM: positive spreads instances, negative stacks them.
std::unique_ptr<host_weigher> make_ram_weigher(double multiplier = 1.0);
/// Free vCPUs.
std::unique_ptr<host_weigher> make_cpu_weigher(double multiplier = 1.0);
/// Free disk.
std::unique_ptr<host_weigher> make_disk_weigher(double multiplier = 1.0);
/// Recent build failures, strongly avoided (Nova's default −1,000,000).
std::unique_ptr<host_weigher> make_build_failure_weigher(double multiplier = 1000000.0);
/// Soft affinity: hosts with the group's members (ServerGroupSoftAffinityWeigher).
std::unique_ptr<host_weigher> make_soft_affinity_weigher(double multiplier = 1.0);
/// Soft anti-affinity: hosts without them (ServerGroupSoftAntiAffinityWeigher).
std::unique_ptr<host_weigher> make_soft_anti_affinity_weigher(double multiplier = 1.0);

/// The weigher with Nova's class name `name` and its default multiplier, or null.
std::unique_ptr<host_weigher> make_weigher(const std::string& name);

} // namespace stratus::scheduler
