#pragma once
// The libvirt domain definition of a guest, as Nova's libvirt driver
// writes it (https://libvirt.org/formatdomain.html): direct kernel boot
// when the image names a kernel and ramdisk, ACPI (so a soft reboot or a
// stop reaches the guest), a virtio disk, a virtio NIC per port on its
// network's bridge with the port's tap name and MAC, a serial console
// (raw TCP for the serial proxy, logged to a file by virtlogd) and VNC
// graphics on a port the hypervisor chooses.

#include <string>

#include "drivers/hypervisor/hypervisor_driver.hpp"

namespace stratus::hypervisor {

/// `type`: libvirt's domain type, "test", "qemu" (TCG) or "kvm".
std::string guest_domain_xml(const guest_spec& spec, const std::string& type);

std::string xml_escape(const std::string& s);

} // namespace stratus::hypervisor
