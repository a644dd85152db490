#pragma once
// The hypervisor driver on libvirt: one connection per compute node, to
// any URI libvirt knows. "test:///<path>/node.xml" gives every compute
// node a private simulated host (CPUs and memory from the file);
// "qemu:///system" drives real guests.

#include <memory>
#include <string>

#include "drivers/hypervisor/hypervisor_driver.hpp"

namespace stratus::hypervisor {

/// What a simulated host has: written as a libvirt test-driver node file.
struct simulated_host {
  uint32_t vcpus = 8;
  uint64_t memory_mb = 16384;
};

/// Writes the test driver's node description to `file` (replacing it).
void write_node_file(const std::string& file, const simulated_host& host);

/// Connects to `uri`; throws hypervisor_error if libvirt cannot.
std::unique_ptr<hypervisor_driver> connect_libvirt(const std::string& uri);

} // namespace stratus::hypervisor
