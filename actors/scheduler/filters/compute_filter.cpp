#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {
namespace {

class compute_filter final : public host_filter {
public:
  const char* name() const override {
    return "ComputeFilter";
  }
  bool host_passes(const host_state& host, const request_spec&) const override {
    return host.up && host.enabled;
  }
};

} // namespace

std::unique_ptr<host_filter> make_compute_filter() {
  return std::make_unique<compute_filter>();
}

} // namespace stratus::scheduler
