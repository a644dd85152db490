#pragma once
// What a Linux-bridge network agent (Neutron's linuxbridge agent, in C++)
// asks of the kernel in one network namespace: bridges, VXLAN tunnels and
// their flooding lists, veth pairs into guest namespaces, addresses, and a
// listing its resync loop compares with what should exist.
//
// Every call is an "ensure": it creates what is missing, fixes attributes
// that differ and succeeds without change when all is already right, so the
// agent can repeat a whole configuration after a restart or when it finds
// drift. Device names are the agent's own (Neutron's brq…, tap…,
// vxlan-<vni>): a device with the wanted name but of another kind, or with
// attributes the kernel cannot change in place, is deleted and made anew.
// Every call blocks on the kernel (fast, but a system call): the
// network role makes them on a worker thread, never in an actor's handler.
// A driver is not thread-safe: use it from one thread at a time (any one).
// Failures throw netlink_error naming the device, the operation and the
// kernel's reason. Implementation: libnl/ (libnl-route-3).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "drivers/netlink/netlink_error.hpp"

namespace stratus::netlink {

/// One network device as links() reports it.
struct link_info {
  std::string name;
  /// "bridge", "vxlan", "veth", "vlan", "gretap", … or "" for a device
  /// without a kind (loopback, a physical NIC).
  std::string kind;
  /// The bridge it is a port of, or "".
  std::string master;
  int ifindex = 0;
  /// Administratively up (IFF_UP), whether or not it has a carrier.
  bool up = false;
  unsigned mtu = 0;
  /// The VNI when kind == "vxlan", else 0.
  uint32_t vxlan_id = 0;
};

/// A route through a gateway: "0.0.0.0/0" via "203.0.113.1".
struct gateway_route {
  std::string destination; // CIDR
  std::string gateway;     // address
  auto operator<=>(const gateway_route&) const = default;
};

class netlink_driver {
public:
  virtual ~netlink_driver() = default;

  /// A Linux bridge with STP off and forward delay 0 (ports forward at once,
  /// as Neutron's brq bridges do), the given MTU, up.
  virtual void ensure_bridge(const std::string& name, unsigned mtu) = 0;

  /// A VXLAN device for `vni` sending from `local_ip` over `underlay_device`
  /// to UDP `dst_port`, with no multicast group (flooding goes to the
  /// remotes set_vxlan_remotes programs) and learning on; the MTU; up
  /// (`underlay_device` "": none, the kernel routes from `local_ip`). A
  /// device of that name whose VNI, local address, underlay or port differ
  /// (or that is not a VXLAN device) is deleted and made anew — it then has
  /// no master and no remotes, so call set_master and set_vxlan_remotes
  /// after this.
  virtual void ensure_vxlan(const std::string& name, uint32_t vni, const std::string& local_ip,
                            const std::string& underlay_device, uint16_t dst_port,
                            unsigned mtu) = 0;

  /// Makes the VXLAN device flood to exactly `remote_ips`, as Neutron's
  /// l2population does: one all-zeros MAC forwarding entry per remote
  /// (`bridge fdb append 00:00:00:00:00:00 dev <name> dst <ip>`); all-zeros
  /// entries for remotes not listed are removed. Other entries (learnt MACs)
  /// are left alone.
  virtual void set_vxlan_remotes(const std::string& name,
                                 const std::vector<std::string>& remote_ips) = 0;

  /// Every VXLAN device's flooding remotes (its all-zeros fdb entries), by
  /// device name, from one dump of the forwarding database: what a resync
  /// compares with before changing anything (one dump per device would
  /// walk every device each time).
  virtual std::map<std::string, std::vector<std::string>> vxlan_remotes() = 0;

  /// An 802.1Q VLAN device `name` on `parent` with `vlan_id`; remade if its
  /// parent or ID differ. Throws netlink_error saying so when the kernel has
  /// no 802.1Q support (see supports("vlan")).
  virtual void ensure_vlan(const std::string& name, const std::string& parent,
                           uint16_t vlan_id) = 0;

  /// A GRE tap (Ethernet over GRE, for bridging) from `local_ip` to
  /// `remote_ip` with `key` in both directions; remade if any differ. Throws
  /// netlink_error saying so when the kernel has no GRE support (see
  /// supports("gretap")). A full mesh of gretap ports on one bridge needs
  /// set_bridge_port_isolated(…, true) on each, or frames loop.
  virtual void ensure_gretap(const std::string& name, const std::string& local_ip,
                             const std::string& remote_ip, uint32_t key) = 0;

  /// A veth pair: `name` here and `peer_name` in the namespace at
  /// `peer_netns_path` ("/run/netns/<x>"; "" = this namespace), the peer
  /// created there directly. If `name` exists but its peer is not found
  /// there, the pair is made anew; a stale `peer_name` there is replaced.
  /// `name` is brought up; the peer is left down for whoever configures
  /// its namespace (that namespace's driver).
  virtual void ensure_veth(const std::string& name, const std::string& peer_name,
                           const std::string& peer_netns_path) = 0;

  /// Makes `link` a port of the bridge `bridge`.
  virtual void set_master(const std::string& link, const std::string& bridge) = 0;

  /// Sets the bridge port flag "isolated" (IFLA_BRPORT_ISOLATED): isolated
  /// ports do not forward to one another, only to non-isolated ports — the
  /// split horizon a full mesh of tunnel ports needs. `link` must already
  /// be a bridge port.
  virtual void set_bridge_port_isolated(const std::string& link, bool isolated) = 0;

  /// Brings the device up (IFF_UP).
  virtual void set_up(const std::string& name) = 0;

  virtual void set_mtu(const std::string& name, unsigned mtu) = 0;

  /// Sets the Ethernet address ("fa:16:3e:12:34:56").
  virtual void set_mac(const std::string& name, const std::string& mac) = 0;

  /// Adds the address `cidr` ("192.0.2.1/24", "2001:db8::1/64") to the
  /// device; other addresses on it are left alone.
  virtual void ensure_address(const std::string& name, const std::string& cidr) = 0;

  /// Makes the device hold exactly the addresses `cidrs` among its
  /// global ones: missing ones are added as ensure_address does, other
  /// global-scope addresses removed (link-local ones stay). What a router
  /// leg needs, whose addresses come and go with subnets and floating IPs.
  virtual void set_addresses(const std::string& name, const std::vector<std::string>& cidrs) = 0;

  /// Makes the main routing table hold exactly `routes` among its routes
  /// through a gateway (`ip route replace <destination> via <gateway>`);
  /// other gateway routes of this namespace are removed, routes to
  /// connected subnets left alone. IPv4 and IPv6 alike.
  virtual void set_gateway_routes(const std::vector<gateway_route>& routes) = 0;

  /// Deletes the device (a veth takes its peer with it). A device that does
  /// not exist is not an error.
  virtual void delete_link(const std::string& name) = 0;

  /// Every device in the namespace, in ifindex order.
  virtual std::vector<link_info> links() = 0;

  /// Whether this kernel can create devices of `kind` ("vxlan", "vlan",
  /// "gretap", …). Probed once per kind in a scratch namespace, then cached.
  virtual bool supports(const std::string& kind) = 0;
};

} // namespace stratus::netlink
