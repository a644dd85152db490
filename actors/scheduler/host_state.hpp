#pragma once
// What the scheduler knows of one candidate host while it decides: its
// service (up, enabled, zone), its free resources as placement reports
// them, and the allocation placement offers there for this request.

#include <cstdint>
#include <set>
#include <string>

namespace stratus::scheduler {

struct host_state {
  std::string host;          // the compute node's name
  std::string provider_uuid; // its root resource provider
  std::string zone = "nova"; // availability zone
  bool up = false;
  bool enabled = false;
  std::string hypervisor_type;
  std::string cpu_arch = "x86_64";
  int64_t free_ram_mb = 0;
  int64_t free_vcpus = 0;
  int64_t free_disk_gb = 0;
  int64_t total_ram_mb = 0;
  int64_t total_vcpus = 0;
  int64_t failed_builds = 0;
  std::set<std::string> traits;
  std::string allocation; // placement's allocation request for this host (JSON)
  /// Instances of the request's server group already here (for soft affinity).
  int64_t group_members_here = 0;
};

} // namespace stratus::scheduler
