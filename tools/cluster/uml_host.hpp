#pragma once
// User-mode Linux hosts (host_kind = "uml"): a node whose stratus-node runs
// inside a Linux kernel of its own, itself an ordinary process tree here
// (Debian's user-mode-linux, PLATFORM.md §8). Its kernel has the 802.1Q VLAN
// and GRE this machine's may lack, so a network agent there can build every
// kind of network.
//
// The kernel boots with this machine's filesystem as its root (hostfs), so
// the project's binaries, the node's config, log and state directory are at
// the same paths inside. What must not be shared is made private there: /run
// (namespaces the node makes are bind mounts under /run/netns that belong to
// the UML kernel) and /proc, /sys. Its init is a script the launcher writes
// into the node's directory: it mounts those, loads the kernel modules,
// names its NICs ul0 (underlay, the node's address on it) and pv0 (provider
// network) as in a namespaced node, and runs stratus-node with the node's
// config; when the node exits, the kernel powers off with the node's exit
// code, so the launcher sees the node's end as the end of the process it
// started. The NICs are taps host_network.cpp makes.

#include <filesystem>
#include <string>

#include <sys/types.h>

namespace stratus::tools {

/// Where Debian's user-mode-linux package puts the kernel.
inline constexpr const char* uml_kernel = "/usr/bin/linux.uml";

/// What booting one node's UML kernel needs.
struct uml_boot {
  std::filesystem::path node_binary;
  std::filesystem::path node_config;
  /// The node's log: the kernel's console and the init script's output.
  std::filesystem::path log;
  /// The init script to write and boot.
  std::filesystem::path init_script;
  /// The node's underlay address with its prefix ("198.51.100.2/24").
  std::string tunnel_cidr;
  /// The taps on this machine that become ul0 and pv0 inside.
  std::string underlay_tap;
  std::string provider_tap;
};

/// Throws std::runtime_error saying how to get the kernel if it is missing.
void check_uml_kernel();

/// Writes b.init_script (mode 0755). Throws std::runtime_error if it cannot,
/// or if a path has characters a kernel command line cannot carry.
void write_uml_init(const uml_boot& b);

/// Writes the init script and boots the kernel on it in a session of its
/// own, its console appended to b.log. Returns the kernel's pid (the pid
/// file's, signalled to stop the node); throws std::runtime_error on failure.
pid_t start_uml_host(const uml_boot& b);

} // namespace stratus::tools
