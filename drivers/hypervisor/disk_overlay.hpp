#pragma once
// A guest's root disk as Nova's libvirt driver makes it from an image: a
// qcow2 overlay (`qemu-img create -f qcow2 -b <base> -F <format>`) on the
// image as cached on the host, so every guest of one image shares the
// base and writes only its own changes.

#include <string>

namespace stratus::hypervisor {

/// Makes `overlay` on `base` (whose format is `base_format`: "raw",
/// "qcow2"); an overlay already there is kept (a retried build). Throws
/// hypervisor_error with qemu-img's message if it cannot.
void create_overlay(const std::string& base, const std::string& base_format,
                    const std::string& overlay);

} // namespace stratus::hypervisor
