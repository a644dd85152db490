#pragma once
// The hosts of compute nodes and the networks joining them. Run as root,
// the launcher gives every node hosting "compute" or "network-agent" a
// network namespace of its own, so that each node's network agent builds its
// bridges and VXLAN devices apart from the others', and joins the namespaces
// by two bridges: the underlay (tunnels) and the provider network (flat and
// VLAN networks, which need an interface to enslave that is not the tunnels'):
//
//   root namespace                          stratus-<id>-cmp-1
//   stul<id> (bridge) ─ stv<id>1 ═══════════ ul0 198.51.100.2/24
//   stpv<id> (bridge) ─ stp<id>1 ═══════════ pv0 (no address)
//                     ...                    stratus-<id>-cmp-2: ul0 .3, pv0
//
// <id> is the cluster id (6 hex digits, kept in the state), so clusters run
// side by side never share a name; the index is the node's place on the
// underlay, kept in the state too, so its address survives restarts. The
// node process itself stays in the root namespace (its bus is on loopback):
// only its network roles' netlink work happens in the namespace, which they
// learn from their role settings (host_settings, provider_settings).
//
// A node's kind of host is `host_kind` in the cluster file — not `host`,
// which already names the node's bus address: "self" (the machine's own
// namespace; the default when not root or for other roles), "netns" (the
// default as root for compute and network-agent nodes), and "uml": the whole
// node runs inside a user-mode Linux kernel of its own (uml_host.hpp), whose
// kernel has the 802.1Q VLAN and GRE this machine's may lack. Its two NICs
// are taps on the same bridges (stut<id><index> on stul<id>, stpt<id><index>
// on stpv<id>), called ul0 and pv0 inside as well. Its bus binds on its
// underlay address, so the root namespace gets 198.51.100.1 on stul<id> and
// the other nodes' buses move there from loopback (node_spec::bus_host).
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "tools/cluster/cluster_file.hpp"

namespace stratus::tools {

/// The values of a node's `host_kind`.
inline constexpr const char* host_kind_self = "self";
inline constexpr const char* host_kind_netns = "netns";
inline constexpr const char* host_kind_uml = "uml";

/// The underlay device inside each node's namespace or UML kernel.
inline constexpr const char* underlay_device = "ul0";
/// The provider network's device there, and the physical network it is.
inline constexpr const char* provider_device = "pv0";
inline constexpr const char* provider_physnet = "physnet1";
/// The root namespace's address on the underlay, only while the cluster has
/// a UML node: where that node reaches the buses of the others.
inline constexpr const char* root_underlay_ip = "198.51.100.1";

/// Checks a `host_kind` as the cluster file gives it ("" = the default);
/// throws std::runtime_error saying what is wrong.
void check_host_kind(const std::string& node, const std::string& kind);

/// The cluster id for a state directory: 6 hex digits of a hash of its path.
std::string make_cluster_id(const std::filesystem::path& state_dir);

/// Decides which nodes get a namespace or UML kernel, run as root or not:
/// sets c.cluster_id if it is empty, keeps each such node's recorded
/// host_index (the lowest free one for new nodes) and sets host_index = 0 on
/// the others; sets every node's bus_host (see node_spec). Throws
/// std::runtime_error for host_kind = "netns" or "uml" without root.
void plan_host_network(cluster_spec& c, const std::filesystem::path& state_dir, bool as_root);

/// "stratus-<id>-<node>", the namespace at /run/netns/<that>.
std::string namespace_name(const std::string& cluster_id, const std::string& node);
/// "stul<id>", the underlay bridge in the root namespace.
std::string underlay_bridge_name(const std::string& cluster_id);
/// "stv<id><index>", the root side of a node's underlay veth.
std::string underlay_veth_name(const std::string& cluster_id, int host_index);
/// "stpv<id>", the provider bridge in the root namespace.
std::string provider_bridge_name(const std::string& cluster_id);
/// "stp<id><index>", the root side of a node's provider veth (the id's
/// first character is a hex digit, so never the 'v' of the bridge).
std::string provider_veth_name(const std::string& cluster_id, int host_index);
/// "stut<id><index>" and "stpt<id><index>": a UML node's underlay and
/// provider taps.
std::string underlay_tap_name(const std::string& cluster_id, int host_index);
std::string provider_tap_name(const std::string& cluster_id, int host_index);
/// "198.51.100.<index + 1>", the node's address on the underlay.
std::string tunnel_ip(int host_index);
/// The underlay's prefix length (24).
int underlay_prefix_length();

/// Whether `n` runs inside a user-mode Linux kernel.
bool is_uml(const node_spec& n);

/// The settings the roles "compute" and "network-agent" of a node with a
/// namespace or UML kernel get (host_netns — "" for UML, whose kernel is its
/// host —, tunnel_ip, underlay_device); none for other nodes.
std::map<std::string, std::string> host_settings(const cluster_spec& c, const node_spec& n);

/// The defaults the role "network-agent" of such a node gets, which the
/// cluster file may override: bridge_mappings = "physnet1:pv0".
std::map<std::string, std::string> provider_settings(const cluster_spec& c, const node_spec& n);

/// Makes the underlay and provider bridges and, for every namespaced node,
/// its namespace, veth pairs, address and links up; for every UML node its
/// two taps (and the root namespace's underlay address). Idempotent: what a
/// crashed run left is reused or made anew, a running UML node's taps are
/// left attached. Needs root; throws std::runtime_error naming the node, the
/// device and the kernel's reason.
void ensure_host_network(const cluster_spec& c);

/// Removes every namespace, veth, tap and bridge of the cluster id (found
/// by their names, so also those of nodes since dropped from the file),
/// except the namespaces, veths and taps of the nodes in `keep` (still
/// running); the bridges stay while any of them needs them. Nothing there is fine.
/// Throws std::runtime_error listing what could not be removed.
void remove_host_network(const cluster_spec& c, const std::set<std::string>& keep = {});

} // namespace stratus::tools
