#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {
namespace {

/// availability_zone "zone:host" (admins only, checked by the API) pins
/// the instance to that host.
class forced_host_filter final : public host_filter {
public:
  const char* name() const override {
    return "ForcedHostFilter";
  }
  bool host_passes(const host_state& host, const request_spec& spec) const override {
    return spec.force_host.empty() || spec.force_host == host.host;
  }
};

} // namespace

std::unique_ptr<host_filter> make_forced_host_filter() {
  return std::make_unique<forced_host_filter>();
}

} // namespace stratus::scheduler
