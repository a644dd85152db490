#pragma once
// What an instance asks of its host (Nova's RequestSpec), read from the
// JSON the compute API records: flavor, image properties, availability
// zone, server group and hints.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace stratus::scheduler {

struct request_spec {
  uint32_t vcpus = 1;
  uint64_t memory_mb = 512;
  uint64_t disk_gb = 0; // root + ephemeral + swap
  std::map<std::string, std::string> flavor_extra_specs;
  std::map<std::string, std::string> image_properties;
  std::string availability_zone; // "" = any
  std::string group_policy;      // affinity, anti-affinity, soft-affinity, soft-anti-affinity
  std::set<std::string> group_hosts;
  std::string force_host; // "zone:host" forced by an admin
  /// The placement query: VCPU, MEMORY_MB, DISK_GB and extra "resources:" specs.
  std::map<std::string, uint64_t> resources() const;
};

/// Reads a request spec; missing parts keep their defaults.
request_spec parse_request_spec(const nlohmann::json& j);

} // namespace stratus::scheduler
