#pragma once
// The system's libvirt daemons for compute nodes with real guests
// (`hypervisor = "qemu"`): machines without systemd start nothing by
// themselves, so the launcher starts virtlogd (the guests' console logs)
// and libvirtd (qemu:///system) when they are not running, as root.

namespace stratus::tools {

/// Starts virtlogd and libvirtd unless they run; returns once libvirtd's
/// socket answers. Throws std::runtime_error saying why it cannot.
void ensure_libvirt_daemons();

} // namespace stratus::tools
