#include "tools/cluster/host_network.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

/// What a cluster's devices in the root namespace are named before the
/// cluster id (and, for one node's, its index). The id's first character is
/// a hex digit, so "stp" + id never reads as "stpv" + id; the id has a fixed
/// width, so no name of one cluster starts with another's stem.
constexpr const char* underlay_bridge_stem = "stul";
constexpr const char* provider_bridge_stem = "stpv";
constexpr const char* underlay_veth_stem = "stv";
constexpr const char* provider_veth_stem = "stp";
constexpr const char* underlay_tap_stem = "stut";
constexpr const char* provider_tap_stem = "stpt";

bool hosts_network_roles(const node_spec& n) {
  return std::any_of(n.roles.begin(), n.roles.end(),
                     [](auto& r) { return r == "compute" || r == "network-agent"; });
}

/// Whether this `up` gives `n` a namespace or UML kernel (a place on the underlay).
bool gets_host(const node_spec& n, bool as_root) {
  if (n.host_kind == host_kind_netns || n.host_kind == host_kind_uml) {
    if (!as_root)
      throw std::runtime_error("node " + n.name + ": host_kind = \"" + n.host_kind +
                               "\" needs root (network namespaces, bridges and taps)");
    return true;
  }
  return n.host_kind.empty() && as_root && hosts_network_roles(n);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
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

/// The root namespace's address goes on one cluster's underlay bridge only:
/// on two, the kernel would route the underlay to one of them. Names the
/// device (not `bridge`) already holding an underlay address, or "".
std::string other_underlay_holder(const std::string& bridge) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return {};
  std::string holder;
  for (auto* a = list; a && holder.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || bridge == a->ifa_name)
      continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (starts_with(text, underlay_net))
      holder = a->ifa_name;
  }
  ::freeifaddrs(list);
  return holder;
}

/// A per-node stem, the id and digits only: one of the cluster's veths or taps.
bool is_per_node_device(const std::string& name, const std::string& cluster_id) {
  for (const char* kind :
       {underlay_veth_stem, provider_veth_stem, underlay_tap_stem, provider_tap_stem})
    if (const std::string stem = kind + cluster_id;
        starts_with(name, stem) && name.size() > stem.size() &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(stem.size()), name.end(),
                    [](char ch) { return ch >= '0' && ch <= '9'; }))
      return true;
  return false;
}

/// A persistent tap (`ip tuntap add <name> mode tap`) for a UML kernel to
/// open. libnl cannot make one: tun devices are made through /dev/net/tun.
void create_tap(const std::string& name) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("tap " + name + ": cannot open /dev/net/tun: " + std::strerror(errno));
  ifreq req{};
  req.ifr_flags = IFF_TAP | IFF_NO_PI; // what `ip tuntap` makes and UML's vec driver opens
  std::snprintf(req.ifr_name, IFNAMSIZ, "%s", name.c_str());
  const bool made = ::ioctl(fd, TUNSETIFF, &req) == 0 && ::ioctl(fd, TUNSETPERSIST, 1) == 0;
  const int error = errno;
  ::close(fd);
  if (!made)
    throw std::runtime_error("tap " + name + ": " + std::strerror(error));
}

/// A tap `name` on `bridge`, up. One that exists is left as it is (a
/// running UML kernel holds it open), unless it is not a tap.
void ensure_tap(netlink::netlink_driver& root, const std::string& name, const std::string& bridge) {
  bool exists = false;
  for (auto& link : root.links())
    if (link.name == name) {
      exists = link.kind == "tun";
      if (!exists)
        root.delete_link(name);
    }
  if (!exists)
    create_tap(name);
  root.set_master(name, bridge);
  root.set_up(name);
  disable_ipv6(name);
}

} // namespace

void check_host_kind(const std::string& node, const std::string& kind) {
  if (kind.empty() || kind == host_kind_self || kind == host_kind_netns || kind == host_kind_uml)
    return;
  throw std::runtime_error(
      "node " + node + ": host_kind must be \"self\", \"netns\" or \"uml\", not \"" + kind + "\"");
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
    if (!gets_host(n, as_root) || !valid || !taken.insert(n.host_index).second)
      n.host_index = 0;
  }
  int next = 1;
  for (auto& n : c.nodes) {
    if (n.host_index != 0 || !gets_host(n, as_root))
      continue;
    while (taken.count(next))
      ++next;
    if (next > max_host_index)
      throw std::runtime_error("more than " + std::to_string(max_host_index) +
                               " namespaced nodes do not fit on one underlay");
    n.host_index = next;
    taken.insert(next);
  }
  // A UML kernel has a loopback of its own: its bus must be where the
  // others reach it, and theirs where it reaches them. A bus the file put
  // elsewhere than loopback is the user's to make reachable.
  const bool has_uml = std::any_of(c.nodes.begin(), c.nodes.end(), is_uml);
  for (auto& n : c.nodes)
    if (is_uml(n))
      n.bus_host = tunnel_ip(n.host_index);
    else if (has_uml && n.host == "127.0.0.1")
      n.bus_host = root_underlay_ip;
    else
      n.bus_host.clear();
}

std::string namespace_name(const std::string& cluster_id, const std::string& node) {
  return "stratus-" + cluster_id + "-" + node;
}

std::string underlay_bridge_name(const std::string& cluster_id) {
  return std::string{underlay_bridge_stem} + cluster_id;
}

std::string underlay_veth_name(const std::string& cluster_id, int host_index) {
  return std::string{underlay_veth_stem} + cluster_id + std::to_string(host_index);
}

std::string provider_bridge_name(const std::string& cluster_id) {
  return std::string{provider_bridge_stem} + cluster_id;
}

std::string provider_veth_name(const std::string& cluster_id, int host_index) {
  return std::string{provider_veth_stem} + cluster_id + std::to_string(host_index);
}

std::string underlay_tap_name(const std::string& cluster_id, int host_index) {
  return std::string{underlay_tap_stem} + cluster_id + std::to_string(host_index);
}

std::string provider_tap_name(const std::string& cluster_id, int host_index) {
  return std::string{provider_tap_stem} + cluster_id + std::to_string(host_index);
}

std::string tunnel_ip(int host_index) {
  return underlay_net + std::to_string(host_index + 1);
}

int underlay_prefix_length() {
  return underlay_prefix;
}

bool is_uml(const node_spec& n) {
  return n.host_kind == host_kind_uml;
}

std::map<std::string, std::string> host_settings(const cluster_spec& c, const node_spec& n) {
  if (n.host_index <= 0 || c.cluster_id.empty())
    return {};
  return {{"host_netns",
           is_uml(n) ? "" : netlink::namespace_path(namespace_name(c.cluster_id, n.name))},
          {"tunnel_ip", tunnel_ip(n.host_index)},
          {"underlay_device", underlay_device}};
}

std::map<std::string, std::string> provider_settings(const cluster_spec& c, const node_spec& n) {
  if (n.host_index <= 0 || c.cluster_id.empty())
    return {};
  return {{"bridge_mappings", std::string{provider_physnet} + ":" + provider_device}};
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
    if (std::any_of(hosts.begin(), hosts.end(), [](auto* n) { return is_uml(*n); })) {
      step = "underlay address of the root namespace";
      if (auto holder = other_underlay_holder(bridge); !holder.empty())
        throw std::runtime_error(holder + " already has an address on " + underlay_net +
                                 "0/24 (another cluster with UML nodes?): only one such "
                                 "cluster can run on a machine at a time");
      root->ensure_address(bridge,
                           std::string{root_underlay_ip} + "/" + std::to_string(underlay_prefix));
    }
    step = "provider bridge";
    const std::string provider = provider_bridge_name(c.cluster_id);
    root->ensure_bridge(provider, underlay_mtu);
    disable_ipv6(provider);
    if (!c.provider_address.empty())
      root->ensure_address(provider, c.provider_address);
    for (auto* n : hosts) {
      step = "node " + n->name;
      if (is_uml(*n)) {
        // The UML kernel configures its side (uml_host.cpp's init script).
        ensure_tap(*root, underlay_tap_name(c.cluster_id, n->host_index), bridge);
        ensure_tap(*root, provider_tap_name(c.cluster_id, n->host_index), provider);
        continue;
      }
      const std::string netns = netlink::create_namespace(namespace_name(c.cluster_id, n->name));
      // A veth whose peer is not this namespace's ul0 or pv0 (another index
      // once, or a half-made pair) is made anew by ensure_veth.
      auto join = [&](const std::string& veth, const char* inside, const std::string& to) {
        root->ensure_veth(veth, inside, netns);
        root->set_master(veth, to);
        root->set_up(veth);
        disable_ipv6(veth);
      };
      join(underlay_veth_name(c.cluster_id, n->host_index), underlay_device, bridge);
      join(provider_veth_name(c.cluster_id, n->host_index), provider_device, provider);
      auto inside = netlink::open_netlink_driver(netns);
      inside->set_up("lo");
      inside->ensure_address(underlay_device,
                             tunnel_ip(n->host_index) + "/" + std::to_string(underlay_prefix));
      inside->set_up(underlay_device);
      inside->set_up(provider_device); // no address: the agent enslaves it to its bridges
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot set up the host network (" + step + "): " + e.what());
  }
}

void remove_host_network(const cluster_spec& c, const std::set<std::string>& keep) {
  if (c.cluster_id.empty())
    return;
  std::set<std::string> kept;
  // A running node bound on the root namespace's underlay address needs the
  // underlay bridge as much as a namespaced one does.
  bool keep_bridges = false;
  for (auto& name : keep)
    if (auto* n = c.find(name); n && (n->host_index > 0 || n->bus_host == root_underlay_ip))
      keep_bridges = true;
  for (auto& name : keep)
    if (auto* n = c.find(name); n && n->host_index > 0)
      for (auto& device :
           {namespace_name(c.cluster_id, name), underlay_veth_name(c.cluster_id, n->host_index),
            provider_veth_name(c.cluster_id, n->host_index),
            underlay_tap_name(c.cluster_id, n->host_index),
            provider_tap_name(c.cluster_id, n->host_index)})
        kept.insert(device);
  // Carry on past a failure so one stuck device leaves no others behind.
  std::vector<std::string> failures;
  auto attempt = [&failures](const std::string& what, auto&& remove) {
    try {
      remove();
    } catch (const std::exception& e) {
      failures.push_back(what + ": " + e.what());
    }
  };
  attempt("underlay and provider devices", [&] {
    // Only what is there is deleted: without root even deleting nothing is refused.
    auto root = netlink::open_netlink_driver("");
    const std::set<std::string> bridges{underlay_bridge_name(c.cluster_id),
                                        provider_bridge_name(c.cluster_id)};
    for (auto& link : root->links())
      if ((is_per_node_device(link.name, c.cluster_id) && !kept.count(link.name)) ||
          (bridges.count(link.name) && !keep_bridges))
        attempt(link.name, [&] { root->delete_link(link.name); }); // a veth takes its peer along
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
