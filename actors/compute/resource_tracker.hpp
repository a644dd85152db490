#pragma once
// The resource tracker's arithmetic (nova/compute/resource_tracker.py): the
// inventory a compute node reports to placement from what its hypervisor
// has and the operator's allocation ratios and reservations.

#include <cstdint>

#include <nlohmann/json.hpp>

namespace stratus::compute {

struct tracker_settings {
  uint64_t disk_gb = 200;               // the simulated host's disk (libvirt reports none)
  double cpu_allocation_ratio = 4.0;    // Nova's initial_cpu_allocation_ratio
  double ram_allocation_ratio = 1.0;    // initial_ram_allocation_ratio
  double disk_allocation_ratio = 1.0;   // initial_disk_allocation_ratio
  uint64_t reserved_host_memory_mb = 512;
  uint64_t reserved_host_cpus = 0;
  uint64_t reserved_host_disk_mb = 0;
};

/// {"VCPU": {...}, "MEMORY_MB": {...}, "DISK_GB": {...}} for PUT
/// /resource_providers/{uuid}/inventories, from the host facts the
/// hypervisor worker reports (vcpus, memory_mb).
nlohmann::json inventory_for(const nlohmann::json& host_facts, const tracker_settings& s);

} // namespace stratus::compute
