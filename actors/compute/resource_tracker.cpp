#include "actors/compute/resource_tracker.hpp"

#include <algorithm>

namespace stratus::compute {

nlohmann::json inventory_for(const nlohmann::json& host_facts, const tracker_settings& s) {
  const uint64_t vcpus = host_facts.value("vcpus", uint64_t{0});
  const uint64_t memory = host_facts.value("memory_mb", uint64_t{0});
  auto entry = [](uint64_t total, uint64_t reserved, double ratio) {
    return nlohmann::json{{"total", total},
                          {"reserved", std::min(reserved, total)},
                          {"min_unit", 1},
                          {"max_unit", total},
                          {"step_size", 1},
                          {"allocation_ratio", ratio}};
  };
  nlohmann::json inv = nlohmann::json::object();
  if (vcpus > 0)
    inv["VCPU"] = entry(vcpus, s.reserved_host_cpus, s.cpu_allocation_ratio);
  if (memory > 0)
    inv["MEMORY_MB"] = entry(memory, s.reserved_host_memory_mb, s.ram_allocation_ratio);
  if (s.disk_gb > 0)
    inv["DISK_GB"] = entry(s.disk_gb, (s.reserved_host_disk_mb + 1023) / 1024, s.disk_allocation_ratio);
  return inv;
}

} // namespace stratus::compute
