#pragma once
// A scheduler filter answers one question about one host: may this request
// land here? (nova/scheduler/filters). Filters run in the configured order;
// each sees only the hosts the previous ones kept.

#include <memory>
#include <string>
#include <vector>

#include "actors/scheduler/host_state.hpp"
#include "actors/scheduler/request_spec.hpp"

namespace stratus::scheduler {

class host_filter {
public:
  virtual ~host_filter() = default;
  /// Nova's class name, as enabled_filters lists it ("ComputeFilter").
  virtual const char* name() const = 0;
  /// Whether `host` may take the instance `spec` describes. Must not block.
  virtual bool host_passes(const host_state& host, const request_spec& spec) const = 0;
};

/// Host up and its service enabled (ComputeFilter).
std::unique_ptr<host_filter> make_compute_filter();
/// In the requested availability zone, if any (AvailabilityZoneFilter).
std::unique_ptr<host_filter> make_availability_zone_filter();
/// Architecture and hypervisor type the image asks for (ImagePropertiesFilter).
std::unique_ptr<host_filter> make_image_properties_filter();
/// Same host as the group's members (ServerGroupAffinityFilter).
std::unique_ptr<host_filter> make_server_group_affinity_filter();
/// No member of the group on the host (ServerGroupAntiAffinityFilter).
std::unique_ptr<host_filter> make_server_group_anti_affinity_filter();
/// The host an admin forced with "zone:host" (part of Nova's host manager).
std::unique_ptr<host_filter> make_forced_host_filter();

/// The filter with Nova's class name `name`, or null.
std::unique_ptr<host_filter> make_filter(const std::string& name);

} // namespace stratus::scheduler
