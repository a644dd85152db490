#include "tools/cluster/host_network.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"

namespace stratus::tools {
namespace {

/// TEST-NET-2 (RFC 5737): documentation addresses, never routed, so they
/// cannot clash with a real network; they exist inside the namespaces only.
constexpr const char* underlay_net = "198.51.100.";
constexpr int underlay_prefix = 24;
/// .1 is left free; nodes take .2 … .254.
constexpr int max_host_index = 253;
constexpr unsigned underlay_mtu = 1500;

bool hosts_network_roles(const node_spec& n) {
  return std::any_of(n.roles.begin(), n.roles.end(),
                     [](auto& r) { return r == "compute" || r == "network-agent"; });
}

/// Whether this `up` gives `n` a namespace.
bool gets_namespace(const node_spec& n, bool as_root) {
  if (n.host_kind == host_kind_netns) {
    if (!as_root)
      throw std::runtime_error("node " + n.name +
                               ": host_kind = \"netns\" needs root (network namespaces)");
    return true;
  }
  return n.host_kind.empty() && as_root && hosts_network_roles(n);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// What the root sides of a cluster's veths are named before their index.
std::string veth_stem(const std::string& cluster_id) {
  return "stv" + cluster_id;
}

/// The stem followed by digits only: one of the cluster's veths.
bool is_underlay_veth(const std::string& name, const std::string& cluster_id) {
  const std::string stem = veth_stem(cluster_id);
  return starts_with(name, stem) && name.size() > stem.size() &&
         std::all_of(name.begin() + static_cast<std::ptrdiff_t>(stem.size()), name.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; });
}

/// Keeps a root-namespace device of the underlay without addresses: the
/// kernel would give it an IPv6 link-local one, putting the machine itself
/// on the underlay. A kernel without IPv6 has no such file and nothing to do.
void disable_ipv6(const std::string& device) {
  const std::filesystem::path knob = "/proc/sys/net/ipv6/conf/" + device + "/disable_ipv6";
  if (!std::filesystem::exists(knob))
    return;
  std::ofstream out(knob);
  out << "1\n";
  if (!out.flush())
    throw std::runtime_error("cannot write " + knob.string());
}

} // namespace

void check_host_kind(const std::string& node, const std::string& kind) {
  if (kind.empty() || kind == host_kind_self || kind == host_kind_netns)
    return;
  if (kind == host_kind_uml)
    throw std::runtime_error("node " + node +
                             ": host_kind = \"uml\" is not supported yet (user-mode Linux "
                             "hosts are reserved for a later change; use \"netns\" or \"self\")");
  throw std::runtime_error("node " + node + ": host_kind must be \"self\" or \"netns\", not \"" +
                           kind + "\"");
}

std::string make_cluster_id(const std::filesystem::path& state_dir) {
  // FNV-1a: the same directory always gives the same id, on any build.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char ch : std::filesystem::weakly_canonical(state_dir).string()) {
    hash ^= ch;
    hash *= 1099511628211ull;
  }
  char id[7];
  std::snprintf(id, sizeof id, "%06x", static_cast<unsigned>((hash ^ (hash >> 32)) & 0xffffff));
  return id;
}

void plan_host_network(cluster_spec& c, const std::filesystem::path& state_dir, bool as_root) {
  if (c.cluster_id.empty())
    c.cluster_id = make_cluster_id(state_dir);
  std::set<int> taken;
  for (auto& n : c.nodes) {
    const bool valid = n.host_index >= 1 && n.host_index <= max_host_index;
    if (!gets_namespace(n, as_root) || !valid || !taken.insert(n.host_index).second)
      n.host_index = 0;
  }
  int next = 1;
  for (auto& n : c.nodes) {
    if (n.host_index != 0 || !gets_namespace(n, as_root))
      continue;
    while (taken.count(next))
      ++next;
    if (next > max_host_index)
      throw std::runtime_error("more than " + std::to_string(max_host_index) +
                               " namespaced nodes do not fit on one underlay");
    n.host_index = next;
    taken.insert(next);
  }
}

std::string namespace_name(const std::string& cluster_id, const std::string& node) {
  return "stratus-" + cluster_id + "-" + node;
}

std::string underlay_bridge_name(const std::string& cluster_id) {
  return "stul" + cluster_id;
}

std::string underlay_veth_name(const std::string& cluster_id, int host_index) {
  return veth_stem(cluster_id) + std::to_string(host_index);
}

std::string tunnel_ip(int host_index) {
  return underlay_net + std::to_string(host_index + 1);
}

std::map<std::string, std::string> host_settings(const cluster_spec& c, const node_spec& n) {
  if (n.host_index <= 0 || c.cluster_id.empty())
    return {};
  return {{"host_netns", netlink::namespace_path(namespace_name(c.cluster_id, n.name))},
          {"tunnel_ip", tunnel_ip(n.host_index)},
          {"underlay_device", underlay_device}};
}

void ensure_host_network(const cluster_spec& c) {
  std::vector<const node_spec*> hosts;
  for (auto& n : c.nodes)
    if (n.host_index > 0)
      hosts.push_back(&n);
  if (hosts.empty())
    return;
  std::string step = "underlay bridge";
  try {
    auto root = netlink::open_netlink_driver("");
    const std::string bridge = underlay_bridge_name(c.cluster_id);
    root->ensure_bridge(bridge, underlay_mtu); // STP off, up
    disable_ipv6(bridge);
    for (auto* n : hosts) {
      step = "node " + n->name;
      const std::string netns = netlink::create_namespace(namespace_name(c.cluster_id, n->name));
      const std::string veth = underlay_veth_name(c.cluster_id, n->host_index);
      // A veth whose peer is not this namespace's ul0 (another index once,
      // or a half-made pair) is made anew by ensure_veth.
      root->ensure_veth(veth, underlay_device, netns);
      root->set_master(veth, bridge);
      root->set_up(veth);
      disable_ipv6(veth);
      auto inside = netlink::open_netlink_driver(netns);
      inside->set_up("lo");
      inside->ensure_address(underlay_device,
                             tunnel_ip(n->host_index) + "/" + std::to_string(underlay_prefix));
      inside->set_up(underlay_device);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot set up the host network (" + step + "): " + e.what());
  }
}

void remove_host_network(const cluster_spec& c, const std::set<std::string>& keep) {
  if (c.cluster_id.empty())
    return;
  std::set<std::string> kept;
  for (auto& name : keep)
    if (auto* n = c.find(name); n && n->host_index > 0) {
      kept.insert(namespace_name(c.cluster_id, name));
      kept.insert(underlay_veth_name(c.cluster_id, n->host_index));
    }
  // Carry on past a failure so one stuck device leaves no others behind.
  std::vector<std::string> failures;
  auto attempt = [&failures](const std::string& what, auto&& remove) {
    try {
      remove();
    } catch (const std::exception& e) {
      failures.push_back(what + ": " + e.what());
    }
  };
  attempt("underlay devices", [&] {
    // Only what is there is deleted: without root even deleting nothing is refused.
    auto root = netlink::open_netlink_driver("");
    const std::string bridge = underlay_bridge_name(c.cluster_id);
    for (auto& link : root->links())
      if ((is_underlay_veth(link.name, c.cluster_id) && !kept.count(link.name)) ||
          (link.name == bridge && kept.empty()))
        attempt(link.name, [&] { root->delete_link(link.name); }); // a veth takes its ul0 along
  });
  attempt("namespaces", [&] {
    const std::string prefix = namespace_name(c.cluster_id, "");
    for (auto& name : netlink::list_namespaces())
      if (starts_with(name, prefix) && !kept.count(name))
        attempt(name, [&] { netlink::delete_namespace(name); });
  });
  if (failures.empty())
    return;
  std::string text = "cannot remove the host network of cluster " + c.cluster_id + ":";
  for (auto& f : failures)
    text += "\n  " + f;
  throw std::runtime_error(text);
}

} // namespace stratus::tools
