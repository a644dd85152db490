#pragma once
// Stand-in guest NICs, for libvirt's test driver only: its guests have no
// network interfaces, so to make a test-driver instance reachable the
// compute role plugs each of its ports as a veth pair — `tap` + 11 chars
// of the port id on the host (where the network agent plugs it into the
// network's bridge, exactly as it does a real guest's tap) and `eth<N>`
// inside a small network namespace of the instance's own, configured with
// the port's MAC address and MTU, its address leased from the network's
// DHCP server (busybox's udhcpc, as a guest's client would; subnets
// without DHCP are configured statically). Real guests (QEMU) get real
// NICs from libvirt on the same bridges instead.
//
// Runs on a thread of its own (namespaces and netlink block and are
// per-thread):
//   (plug_atom, uuid, ports JSON, first NIC index) -> (std::string namespace name)
//   (unplug_atom, uuid, port JSON)  -> (bool)  one port only (a detach)
//   (unplug_atom, uuid, ports JSON) -> (bool)

#include <filesystem>
#include <string>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace stratus::compute {

using plug_atom = caf::atom_constant<caf::atom("nicplug")>;
using unplug_atom = caf::atom_constant<caf::atom("nicunplug")>;

/// The namespace standing in for instance `uuid`'s guest.
std::string guest_namespace(const std::string& uuid);

/// `host_netns`: the host's namespace (a /run/netns path; empty = own);
/// `dhcp_hook_file`: where to keep the DHCP client's hook script.
caf::behavior guest_nic_stand_in(caf::event_based_actor* self, std::string host_netns,
                                 std::filesystem::path dhcp_hook_file);

} // namespace stratus::compute
