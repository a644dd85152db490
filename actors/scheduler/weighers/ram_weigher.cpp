#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {
namespace {

class ram_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "RAMWeigher";
  }
  double weigh(const host_state& host, const request_spec&) const override {
    return static_cast<double>(host.free_ram_mb);
  }
};

} // namespace

std::unique_ptr<host_weigher> make_ram_weigher(double multiplier) {
  return std::make_unique<ram_weigher>(multiplier);
}

} // namespace stratus::scheduler
