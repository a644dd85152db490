#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {
namespace {

class availability_zone_filter final : public host_filter {
public:
  const char* name() const override {
    return "AvailabilityZoneFilter";
  }
  bool host_passes(const host_state& host, const request_spec& spec) const override {
    if (spec.availability_zone.empty())
      return true;
    // "zone:host" forces a host too; the zone part is what is checked here.
    const auto zone = spec.availability_zone.substr(0, spec.availability_zone.find(':'));
    return zone.empty() || zone == host.zone;
  }
};

} // namespace

std::unique_ptr<host_filter> make_availability_zone_filter() {
  return std::make_unique<availability_zone_filter>();
}

} // namespace stratus::scheduler
