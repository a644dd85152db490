// ServerGroupSoftAffinityWeigher and ServerGroupSoftAntiAffinityWeigher:
// the soft policies of a server group, by members already on each host.

#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {
namespace {

class soft_affinity_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "ServerGroupSoftAffinityWeigher";
  }
  double weigh(const host_state& host, const request_spec& spec) const override {
    return spec.group_policy == "soft-affinity" ? static_cast<double>(host.group_members_here) : 0;
  }
};

class soft_anti_affinity_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "ServerGroupSoftAntiAffinityWeigher";
  }
  double weigh(const host_state& host, const request_spec& spec) const override {
    return spec.group_policy == "soft-anti-affinity" ? -static_cast<double>(host.group_members_here)
                                                     : 0;
  }
};

} // namespace

std::unique_ptr<host_weigher> make_soft_affinity_weigher(double multiplier) {
  return std::make_unique<soft_affinity_weigher>(multiplier);
}

std::unique_ptr<host_weigher> make_soft_anti_affinity_weigher(double multiplier) {
  return std::make_unique<soft_anti_affinity_weigher>(multiplier);
}

} // namespace stratus::scheduler
