#pragma once
// What the compute role asks its hypervisor worker to start for an
// instance (the JSON hypervisor_worker reads as a guest_spec): the
// flavor's CPUs and memory, and for real guests the disk as an overlay of
// the cached image, direct kernel boot when the image names a kernel and
// ramdisk (kernel_id/ramdisk_id, as OpenStack boots ami images), a NIC per
// port on its network's bridge, the serial console (TCP, logged) and VNC.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace stratus::compute {

struct guest_places {
  std::filesystem::path image_cache; // images by id
  std::filesystem::path instances;   // a directory per guest
  uint16_t serial_port = 0;          // a free local port for its serial console
  std::string vnc_listen;            // where its VNC server listens
};

/// `real`: a hypervisor that runs guests (not libvirt's test driver,
/// whose guests have no disk, NICs or consoles).
nlohmann::json guest_definition(const nlohmann::json& instance, const nlohmann::json& ports,
                                const guest_places& places, bool real);

/// A TCP port on 127.0.0.1 that nothing listens on now.
uint16_t free_local_port();

} // namespace stratus::compute
