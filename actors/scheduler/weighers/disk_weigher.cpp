#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {
namespace {

class disk_weigher final : public host_weigher {
public:
  using host_weigher::host_weigher;
  const char* name() const override {
    return "DiskWeigher";
  }
  double weigh(const host_state& host, const request_spec&) const override {
    return static_cast<double>(host.free_disk_gb);
  }
};

} // namespace

std::unique_ptr<host_weigher> make_disk_weigher(double multiplier) {
  return std::make_unique<disk_weigher>(multiplier);
}

} // namespace stratus::scheduler
