#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {
namespace {

class cpu_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "CPUWeigher";
  }
  double weigh(const host_state& host, const request_spec&) const override {
    return static_cast<double>(host.free_vcpus);
  }
};

} // namespace

std::unique_ptr<host_weigher> make_cpu_weigher(double multiplier) {
  return std::make_unique<cpu_weigher>(multiplier);
}

} // namespace stratus::scheduler
