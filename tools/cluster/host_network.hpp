#pragma once
// Network namespaces as the hosts of compute nodes. Run as root, the
// launcher gives every node hosting "compute" or "network-agent" a namespace
// of its own, so that each node's network agent builds its bridges and VXLAN
// devices apart from the others', and joins the namespaces by an underlay:
//
//   root namespace                          stratus-<id>-cmp-1
//   stul<id> (bridge, no address) ─ stv<id>1 ═══ ul0 198.51.100.2/24
//                                 └ stv<id>2 ═══ ul0 198.51.100.3/24
//                                           stratus-<id>-cmp-2
//
// <id> is the cluster id (6 hex digits, kept in the state), so clusters run
// side by side never share a name; the index is the node's place on the
// underlay, kept in the state too, so its address survives restarts. The
// node process itself stays in the root namespace (its bus is on loopback):
// only its network roles' netlink work happens in the namespace, which they
// learn from their role settings (host_settings).
//
// A node's kind of host is `host_kind` in the cluster file — not `host`,
// which already names the node's bus address: "self" (the machine's own
// namespace; the default when not root or for other roles), "netns" (the
// default as root for compute and network-agent nodes), and "uml", reserved
// for user-mode Linux hosts and refused for now.

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

/// The underlay device inside each node's namespace.
inline constexpr const char* underlay_device = "ul0";

/// Checks a `host_kind` as the cluster file gives it ("" = the default);
/// throws std::runtime_error saying what is wrong, "uml" included.
void check_host_kind(const std::string& node, const std::string& kind);

/// The cluster id for a state directory: 6 hex digits of a hash of its path.
std::string make_cluster_id(const std::filesystem::path& state_dir);

/// Decides which nodes get a namespace, run as root or not: sets
/// c.cluster_id if it is empty, keeps each namespaced node's recorded
/// host_index (the lowest free one for new nodes) and sets host_index = 0 on
/// the others. Throws std::runtime_error for host_kind = "netns" without root.
void plan_host_network(cluster_spec& c, const std::filesystem::path& state_dir, bool as_root);

/// "stratus-<id>-<node>", the namespace at /run/netns/<that>.
std::string namespace_name(const std::string& cluster_id, const std::string& node);
/// "stul<id>", the underlay bridge in the root namespace.
std::string underlay_bridge_name(const std::string& cluster_id);
/// "stv<id><index>", the root side of a node's underlay veth.
std::string underlay_veth_name(const std::string& cluster_id, int host_index);
/// "198.51.100.<index + 1>", the node's address on the underlay.
std::string tunnel_ip(int host_index);

/// The settings the roles "compute" and "network-agent" of a namespaced
/// node get (host_netns, tunnel_ip, underlay_device); none for other nodes.
std::map<std::string, std::string> host_settings(const cluster_spec& c, const node_spec& n);

/// Makes the underlay bridge and, for every namespaced node, its namespace,
/// veth pair, address and links up. Idempotent: what a crashed run left is
/// reused or made anew. Needs root; throws std::runtime_error naming the node,
/// the device and the kernel's reason.
void ensure_host_network(const cluster_spec& c);

/// Removes every namespace, veth and underlay bridge of the cluster id
/// (found by their names, so also those of nodes since dropped from the
/// file), except the namespaces and veths of the nodes in `keep` (still
/// running); the bridge stays while any is kept. Nothing there is fine.
/// Throws std::runtime_error listing what could not be removed.
void remove_host_network(const cluster_spec& c, const std::set<std::string>& keep = {});

} // namespace stratus::tools
