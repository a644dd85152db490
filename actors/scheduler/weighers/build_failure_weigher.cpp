#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {
namespace {

/// Fewer recent failures weigh more: the raw weight is minus the count.
class build_failure_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "BuildFailureWeigher";
  }
  double weigh(const host_state& host, const request_spec&) const override {
    return -static_cast<double>(host.failed_builds);
  }
};

} // namespace

std::unique_ptr<host_weigher> make_build_failure_weigher(double multiplier) {
  return std::make_unique<build_failure_weigher>(multiplier);
}

} // namespace stratus::scheduler
