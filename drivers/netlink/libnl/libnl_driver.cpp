#include "drivers/netlink/libnl/libnl_driver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h> // GRE_KEY
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/vxlan.h>

#include "drivers/netlink/libnl/libnl_handles.hpp"
#include "drivers/netlink/network_namespace.hpp"

namespace stratus::netlink {
namespace {

using namespace libnl;

// --- Small helpers ---------------------------------------------------------

std::string kind_of(rtnl_link* link) {
  const char* kind = rtnl_link_get_type(link);
  return kind ? kind : "";
}

/// What EOPNOTSUPP on creating a device of `kind` means: the kernel has no
/// driver for it (it looked for a module and found none).
std::string missing_kind_hint(const std::string& kind) {
  if (kind == "vlan")
    return "this kernel has no 802.1Q VLAN support";
  if (kind == "gretap")
    return "this kernel has no GRE support";
  if (kind == "vxlan")
    return "this kernel has no VXLAN support";
  return "this kernel has no " + kind + " device support";
}

/// An IPv4 or IPv6 address without prefix, as libnl wants it.
addr_ptr parse_ip(const std::string& ip, const std::string& subject) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, ip.c_str(), bytes) == 1)
    return addr_ptr(allocated(nl_addr_build(AF_INET, bytes, 4)));
  if (inet_pton(AF_INET6, ip.c_str(), bytes) == 1)
    return addr_ptr(allocated(nl_addr_build(AF_INET6, bytes, 16)));
  throw netlink_error(subject + ": \"" + ip + "\" is not an IP address");
}

/// The usual text form of a 4- or 16-byte address; "" for other lengths.
std::string ip_text(const void* bytes, size_t len) {
  char text[INET6_ADDRSTRLEN] = "";
  if (len == 4)
    inet_ntop(AF_INET, bytes, text, sizeof(text));
  else if (len == 16)
    inet_ntop(AF_INET6, bytes, text, sizeof(text));
  return text;
}

std::string ip_text(nl_addr* addr) {
  return ip_text(nl_addr_get_binary_addr(addr), nl_addr_get_len(addr));
}

/// "<address>/<prefix>" for a prefix as libnl holds it (a default route's
/// destination has no bytes at all).
std::string prefix_text(nl_addr* addr, unsigned prefixlen, int family) {
  std::string ip = addr && nl_addr_get_len(addr) ? ip_text(addr) : "";
  if (ip.empty())
    ip = family == AF_INET6 ? "::" : "0.0.0.0";
  return ip + "/" + std::to_string(prefixlen);
}

/// `cidr` as prefix_text writes it ("192.0.2.1/32" for "192.0.2.1/32").
std::string canonical_cidr(const std::string& cidr, const std::string& subject) {
  nl_addr* parsed = nullptr;
  if (cidr.find('/') == std::string::npos || nl_addr_parse(cidr.c_str(), AF_UNSPEC, &parsed) < 0)
    throw netlink_error(subject + ": \"" + cidr + "\" is not an IP address with prefix");
  addr_ptr addr(parsed);
  return prefix_text(addr.get(), nl_addr_get_prefixlen(addr.get()), nl_addr_get_family(addr.get()));
}

/// An open file descriptor, closed at scope exit.
class file {
public:
  explicit file(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file() {
    if (fd_ >= 0)
      close(fd_);
  }
  int fd() const {
    return fd_;
  }

private:
  int fd_;
};

// --- Sockets and generic link operations ------------------------------------

socket_ptr connect_here(const std::string& subject) {
  socket_ptr sock(allocated(nl_socket_alloc()));
  check(nl_connect(sock.get(), NETLINK_ROUTE), subject, "open netlink socket");
  return sock;
}

/// A NETLINK_ROUTE socket bound to the namespace at `netns_path` ("" = the
/// caller's). It is opened on a thread of its own that joined the namespace.
socket_ptr connect_in(const std::string& netns_path) {
  socket_ptr sock;
  const std::string subject = netns_path.empty() ? "this namespace" : netns_path;
  run_in_namespace(netns_path, [&] { sock = connect_here(subject); });
  return sock;
}

/// The device named `name`, or null if there is none.
link_ptr find_link(nl_sock* sock, const std::string& name, const std::string& subject) {
  rtnl_link* link = nullptr;
  const int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
    return nullptr;
  check(err, subject, "look up " + name);
  return link_ptr(link);
}

/// Deletes the device; one that is not there is not an error.
void delete_link_on(nl_sock* sock, const std::string& name, const std::string& subject) {
  link_ptr link(allocated(rtnl_link_alloc()));
  rtnl_link_set_name(link.get(), name.c_str());
  const int err = rtnl_link_delete(sock, link.get());
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
    return;
  check(err, subject, "delete " + name);
}

/// Sends a hand-built request and waits for the kernel's answer.
int send_and_wait(nl_sock* sock, msg_ptr msg) {
  return nl_send_sync(sock, msg.release()); // frees the message
}

/// A hand-built RTM_*LINK request for the device with `ifindex`.
msg_ptr link_request(int type, int flags, unsigned char family, int ifindex) {
  msg_ptr msg(allocated(nlmsg_alloc_simple(type, flags)));
  ifinfomsg header{};
  header.ifi_family = family;
  header.ifi_index = ifindex;
  if (nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0)
    throw std::bad_alloc();
  return msg;
}

/// Checks an nla_put_* into a hand-built message; failing means it ran out of room.
void put(int err) {
  if (err < 0)
    throw std::bad_alloc();
}

/// Opens a nested attribute in a hand-built message.
nlattr* open_nest(nl_msg* msg, int type) {
  return allocated(nla_nest_start(msg, type));
}

/// Whether the kernel has a driver for device kind `kind`: tries to create
/// one in a scratch namespace that vanishes afterwards. An unknown kind is
/// refused with EOPNOTSUPP before any attribute is looked at, so any other
/// answer — even EINVAL for the attributes we left out — means it is known.
bool probe_kind(const std::string& kind) {
  bool known = false;
  run_in_scratch_namespace([&] {
    socket_ptr sock = connect_here("scratch namespace");
    msg_ptr msg = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
    put(nla_put_string(msg.get(), IFLA_IFNAME, "probe0"));
    nlattr* info = open_nest(msg.get(), IFLA_LINKINFO);
    put(nla_put_string(msg.get(), IFLA_INFO_KIND, kind.c_str()));
    nla_nest_end(msg.get(), info);
    known = send_and_wait(sock.get(), std::move(msg)) != -NLE_OPNOTSUPP;
  });
  return known;
}

// --- The flooding list of a VXLAN device (its all-zeros fdb entries) ---------

constexpr unsigned char all_zeros_mac[6] = {};

struct flooding_dump {
  int ifindex = 0;                              // 0: every device
  std::map<int, std::set<std::string>> remotes; // by device
  bool failed = false;
};

/// Called by libnl for each forwarding entry the kernel lists.
int on_fdb_entry(nl_msg* msg, void* arg) {
  auto& dump = *static_cast<flooding_dump*>(arg);
  nlmsghdr* header = nlmsg_hdr(msg);
  if (header->nlmsg_type != RTM_NEWNEIGH)
    return NL_OK;
  nlattr* attrs[NDA_MAX + 1] = {};
  if (nlmsg_parse(header, sizeof(ndmsg), attrs, NDA_MAX, nullptr) < 0)
    return NL_OK;
  const auto* entry = static_cast<const ndmsg*>(nlmsg_data(header));
  const nlattr* mac = attrs[NDA_LLADDR];
  const nlattr* dst = attrs[NDA_DST];
  if ((dump.ifindex != 0 && entry->ndm_ifindex != dump.ifindex) || !mac || !dst ||
      nla_len(mac) != sizeof(all_zeros_mac) ||
      std::memcmp(nla_data(mac), all_zeros_mac, sizeof(all_zeros_mac)) != 0)
    return NL_OK;
  try { // no exception may cross libnl's C frames
    const std::string remote = ip_text(nla_data(dst), nla_len(dst));
    if (!remote.empty())
      dump.remotes[entry->ndm_ifindex].insert(remote);
  } catch (...) {
    dump.failed = true;
    return NL_STOP;
  }
  return NL_OK;
}

/// The remotes the VXLAN device with `ifindex` floods to (0: every
/// device's, by ifindex).
std::map<int, std::set<std::string>> flooding_remotes(nl_sock* sock, int ifindex,
                                                      const std::string& subject) {
  // An ifinfomsg header, as `bridge fdb show dev X` sends: the kernel then
  // lists only the entries of ifi_index (all of them for 0).
  ifinfomsg filter{};
  filter.ifi_family = AF_BRIDGE;
  filter.ifi_index = ifindex;
  const std::string operation = "list forwarding entries";
  check(nl_send_simple(sock, RTM_GETNEIGH, NLM_F_DUMP, &filter, sizeof(filter)), subject,
        operation);
  flooding_dump dump;
  dump.ifindex = ifindex;
  callbacks_ptr socket_callbacks(nl_socket_get_cb(sock));
  callbacks_ptr callbacks(allocated(nl_cb_clone(socket_callbacks.get())));
  nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_fdb_entry, &dump);
  check(nl_recvmsgs(sock, callbacks.get()), subject, operation);
  if (dump.failed)
    throw std::bad_alloc();
  return std::move(dump.remotes);
}

/// The all-zeros MAC entry flooding to `remote` on the device `ifindex`, as
/// `bridge fdb append 00:00:00:00:00:00 dev X dst R` makes it.
neigh_ptr flooding_entry(int ifindex, const std::string& remote, const std::string& subject) {
  neigh_ptr entry(allocated(rtnl_neigh_alloc()));
  addr_ptr dst = parse_ip(remote, subject);
  addr_ptr mac(allocated(nl_addr_build(AF_LLC, all_zeros_mac, sizeof(all_zeros_mac))));
  rtnl_neigh_set_ifindex(entry.get(), ifindex);
  // The destination first: it sets the entry's family to the address's,
  // which AF_BRIDGE then overrides (the other order is refused by libnl).
  check(rtnl_neigh_set_dst(entry.get(), dst.get()), subject, "flood to " + remote);
  rtnl_neigh_set_family(entry.get(), AF_BRIDGE);
  rtnl_neigh_set_lladdr(entry.get(), mac.get());
  rtnl_neigh_set_state(entry.get(), NUD_NOARP | NUD_PERMANENT);
  rtnl_neigh_set_flags(entry.get(), NTF_SELF); // the VXLAN device's own table, not a bridge's
  return entry;
}

// --- The driver --------------------------------------------------------------

class libnl_driver final : public netlink_driver {
public:
  explicit libnl_driver(socket_ptr sock) : sock_(std::move(sock)) {}

  void ensure_bridge(const std::string& name, unsigned mtu) override {
    const std::string subject = "bridge " + name;
    link_ptr link = existing(name, "bridge", subject);
    if (!link) {
      link_ptr bridge(allocated(rtnl_link_bridge_alloc()));
      rtnl_link_set_name(bridge.get(), name.c_str());
      create(bridge.get(), "bridge", subject);
      link = require(name, subject);
      without_ipv6_addresses(link.get(), subject);
    }
    // Always sent: libnl 3.7 can neither set nor read bridge options, and
    // the kernel takes a repeat as a no-op. STP goes off first because the
    // kernel refuses a forward delay of 0 while STP is on.
    set_bridge_option(link.get(), IFLA_BR_STP_STATE, 0, subject, "turn STP off");
    set_bridge_option(link.get(), IFLA_BR_FORWARD_DELAY, 0, subject, "set forward delay 0");
    apply_mtu(link.get(), mtu, subject);
    apply_up(link.get(), subject);
  }

  void ensure_vxlan(const std::string& name, uint32_t vni, const std::string& local_ip,
                    const std::string& underlay_device, uint16_t dst_port, unsigned mtu) override {
    const std::string subject = "vxlan device " + name;
    // No underlay device: the kernel routes to the remotes from the local address.
    const int underlay = underlay_device.empty()
                             ? 0
                             : rtnl_link_get_ifindex(require(underlay_device, subject).get());
    addr_ptr local = parse_ip(local_ip, subject);
    link_ptr link = existing(name, "vxlan", subject);
    // The kernel cannot change these in place; a device that differs is remade.
    if (link && !vxlan_matches(link.get(), vni, local.get(), underlay, dst_port)) {
      delete_link_on(sock_.get(), name, subject);
      link.reset();
    }
    if (!link) {
      link_ptr vxlan(allocated(rtnl_link_vxlan_alloc()));
      rtnl_link_set_name(vxlan.get(), name.c_str());
      rtnl_link_vxlan_set_id(vxlan.get(), vni);
      rtnl_link_vxlan_set_local(vxlan.get(), local.get());
      if (underlay != 0)
        rtnl_link_vxlan_set_link(vxlan.get(), static_cast<uint32_t>(underlay));
      rtnl_link_vxlan_set_port(vxlan.get(), dst_port);
      rtnl_link_vxlan_set_learning(vxlan.get(), 1);
      create(vxlan.get(), "vxlan", subject);
      link = require(name, subject);
      without_ipv6_addresses(link.get(), subject);
    }
    apply_mtu(link.get(), mtu, subject);
    apply_up(link.get(), subject);
  }

  void set_vxlan_remotes(const std::string& name,
                         const std::vector<std::string>& remote_ips) override {
    const std::string subject = "vxlan device " + name;
    link_ptr link = require(name, subject);
    if (kind_of(link.get()) != "vxlan")
      throw netlink_error(subject + ": set remotes: it is a " + describe_kind(link.get()) +
                          " device, not a vxlan device");
    const int ifindex = rtnl_link_get_ifindex(link.get());
    std::set<std::string> wanted;
    for (const auto& remote : remote_ips)
      wanted.insert(ip_text(parse_ip(remote, subject).get())); // one spelling per address
    const std::set<std::string> current = flooding_remotes(sock_.get(), ifindex, subject)[ifindex];
    // New remotes before removing old ones, so flooding never has a gap.
    for (const auto& remote : wanted) {
      if (current.count(remote))
        continue;
      neigh_ptr entry = flooding_entry(ifindex, remote, subject);
      check(rtnl_neigh_add(sock_.get(), entry.get(), NLM_F_CREATE | NLM_F_APPEND), subject,
            "flood to " + remote);
    }
    for (const auto& remote : current) {
      if (wanted.count(remote))
        continue;
      neigh_ptr entry = flooding_entry(ifindex, remote, subject);
      const int err = rtnl_neigh_delete(sock_.get(), entry.get(), 0);
      if (err != -NLE_OBJ_NOTFOUND) // already gone is fine
        check(err, subject, "stop flooding to " + remote);
    }
  }

  std::map<std::string, std::vector<std::string>> vxlan_remotes() override {
    std::map<int, std::string> names;
    for (const auto& l : links())
      if (l.kind == "vxlan")
        names[l.ifindex] = l.name;
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [ifindex, remotes] : flooding_remotes(sock_.get(), 0, "vxlan devices"))
      if (auto name = names.find(ifindex); name != names.end())
        out[name->second].assign(remotes.begin(), remotes.end());
    for (auto& [ifindex, name] : names)
      out[name]; // a device without remotes has an empty list
    return out;
  }

  void ensure_vlan(const std::string& name, const std::string& parent, uint16_t vlan_id) override {
    const std::string subject = "vlan device " + name + " on " + parent;
    const int lower = rtnl_link_get_ifindex(require(parent, subject).get());
    link_ptr link = existing(name, "vlan", subject);
    if (link &&
        (rtnl_link_vlan_get_id(link.get()) != vlan_id || rtnl_link_get_link(link.get()) != lower)) {
      delete_link_on(sock_.get(), name, subject);
      link.reset();
    }
    if (!link) {
      link_ptr vlan(allocated(rtnl_link_vlan_alloc()));
      rtnl_link_set_name(vlan.get(), name.c_str());
      rtnl_link_set_link(vlan.get(), lower);
      rtnl_link_vlan_set_id(vlan.get(), vlan_id);
      create(vlan.get(), "vlan", subject);
      link = require(name, subject);
    }
    apply_up(link.get(), subject);
  }

  void ensure_gretap(const std::string& name, const std::string& local_ip,
                     const std::string& remote_ip, uint32_t key) override {
    const std::string subject = "gretap device " + name;
    // libnl's GRE calls take IPv4 only (IPv6 would be the kind ip6gretap).
    in_addr local{}, remote{};
    if (inet_pton(AF_INET, local_ip.c_str(), &local) != 1 ||
        inet_pton(AF_INET, remote_ip.c_str(), &remote) != 1)
      throw netlink_error(subject + ": local and remote must be IPv4 addresses");
    const uint32_t wire_key = htonl(key); // GRE keys travel in network order
    link_ptr link = existing(name, "gretap", subject);
    if (link && (rtnl_link_ipgre_get_local(link.get()) != local.s_addr ||
                 rtnl_link_ipgre_get_remote(link.get()) != remote.s_addr ||
                 rtnl_link_ipgre_get_ikey(link.get()) != wire_key ||
                 rtnl_link_ipgre_get_okey(link.get()) != wire_key)) {
      delete_link_on(sock_.get(), name, subject);
      link.reset();
    }
    if (!link) {
      link_ptr gretap(allocated(rtnl_link_ipgretap_alloc()));
      rtnl_link_set_name(gretap.get(), name.c_str());
      rtnl_link_ipgre_set_local(gretap.get(), local.s_addr);
      rtnl_link_ipgre_set_remote(gretap.get(), remote.s_addr);
      rtnl_link_ipgre_set_ikey(gretap.get(), wire_key);
      rtnl_link_ipgre_set_okey(gretap.get(), wire_key);
      rtnl_link_ipgre_set_iflags(gretap.get(), GRE_KEY); // the keys are only used with these
      rtnl_link_ipgre_set_oflags(gretap.get(), GRE_KEY);
      create(gretap.get(), "gretap", subject);
      link = require(name, subject);
    }
    apply_up(link.get(), subject);
  }

  void ensure_veth(const std::string& name, const std::string& peer_name,
                   const std::string& peer_netns_path) override {
    const std::string subject = "veth pair " + name + "/" + peer_name +
                                (peer_netns_path.empty() ? "" : " in " + peer_netns_path);
    // The peer's side is looked at through a socket in its namespace.
    socket_ptr peer_socket = peer_netns_path.empty() ? nullptr : connect_in(peer_netns_path);
    nl_sock* peer_sock = peer_socket ? peer_socket.get() : sock_.get();

    link_ptr link = existing(name, "veth", subject);
    if (link && is_peer(peer_sock, link.get(), peer_name, subject)) {
      apply_up(link.get(), subject);
      return;
    }
    if (link)
      delete_link_on(sock_.get(), name, subject);
    // A leftover device of the peer's name would make the new pair fail.
    delete_link_on(peer_sock, peer_name, subject);

    link_ptr veth(allocated(rtnl_link_veth_alloc()));
    rtnl_link_set_name(veth.get(), name.c_str());
    link_ptr peer(allocated(rtnl_link_veth_get_peer(veth.get())));
    rtnl_link_set_name(peer.get(), peer_name.c_str());
    std::optional<file> netns; // open until the kernel has made the pair
    if (!peer_netns_path.empty()) {
      netns.emplace(peer_netns_path);
      if (netns->fd() < 0)
        throw netlink_error(subject + ": open " + peer_netns_path + ": " + std::strerror(errno));
      rtnl_link_set_ns_fd(peer.get(), netns->fd()); // the kernel makes the peer right there
    }
    create(veth.get(), "veth", subject);
    apply_up(require(name, subject).get(), subject);
  }

  void set_master(const std::string& link_name, const std::string& bridge_name) override {
    const std::string subject = "device " + link_name;
    link_ptr link = require(link_name, subject);
    link_ptr bridge = require(bridge_name, subject);
    if (kind_of(bridge.get()) != "bridge")
      throw netlink_error(subject + ": add to " + bridge_name + ": it is a " +
                          describe_kind(bridge.get()) + " device, not a bridge");
    const int bridge_index = rtnl_link_get_ifindex(bridge.get());
    if (rtnl_link_get_master(link.get()) == bridge_index)
      return;
    link_ptr changes(allocated(rtnl_link_alloc()));
    rtnl_link_set_master(changes.get(), bridge_index);
    change(link.get(), changes.get(), subject, "add to bridge " + bridge_name);
  }

  void set_bridge_port_isolated(const std::string& link_name, bool isolated) override {
    const std::string subject = "bridge port " + link_name;
    const std::string operation = std::string("set isolated ") + (isolated ? "on" : "off");
    link_ptr link = require(link_name, subject);
    if (rtnl_link_get_master(link.get()) == 0)
      throw netlink_error(subject + ": " + operation + ": not a port of any bridge");
    // What `bridge link set dev X isolated on` sends: libnl 3.7 has no call
    // for IFLA_BRPORT_ISOLATED. A repeat is a no-op for the kernel.
    msg_ptr msg = link_request(RTM_SETLINK, 0, AF_BRIDGE, rtnl_link_get_ifindex(link.get()));
    nlattr* port = open_nest(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
    put(nla_put_u8(msg.get(), IFLA_BRPORT_ISOLATED, isolated ? 1 : 0));
    nla_nest_end(msg.get(), port);
    check(send_and_wait(sock_.get(), std::move(msg)), subject, operation);
  }

  void set_up(const std::string& name) override {
    const std::string subject = "device " + name;
    apply_up(require(name, subject).get(), subject);
  }

  void set_mtu(const std::string& name, unsigned mtu) override {
    const std::string subject = "device " + name;
    apply_mtu(require(name, subject).get(), mtu, subject);
  }

  void set_mac(const std::string& name, const std::string& mac) override {
    const std::string subject = "device " + name;
    nl_addr* parsed = nullptr;
    if (nl_addr_parse(mac.c_str(), AF_LLC, &parsed) < 0)
      throw netlink_error(subject + ": \"" + mac + "\" is not a MAC address");
    addr_ptr wanted(parsed);
    link_ptr link = require(name, subject);
    nl_addr* current = rtnl_link_get_addr(link.get()); // borrowed
    if (current && nl_addr_cmp(current, wanted.get()) == 0)
      return;
    link_ptr changes(allocated(rtnl_link_alloc()));
    rtnl_link_set_addr(changes.get(), wanted.get());
    change(link.get(), changes.get(), subject, "set MAC " + mac);
  }

  void ensure_address(const std::string& name, const std::string& cidr) override {
    const std::string subject = "address " + cidr + " on " + name;
    nl_addr* parsed = nullptr;
    if (nl_addr_parse(cidr.c_str(), AF_UNSPEC, &parsed) < 0)
      throw netlink_error(subject + ": not an IP address with prefix");
    addr_ptr local(parsed);
    const int family = nl_addr_get_family(local.get());
    if (family != AF_INET && family != AF_INET6)
      throw netlink_error(subject + ": not an IP address with prefix");
    link_ptr link = require(name, subject);
    route_addr_ptr address(allocated(rtnl_addr_alloc()));
    rtnl_addr_set_ifindex(address.get(), rtnl_link_get_ifindex(link.get()));
    check(rtnl_addr_set_local(address.get(), local.get()), subject, "add"); // takes its prefix too
    // NLM_F_REPLACE: an address already there is refreshed, not an EEXIST.
    check(rtnl_addr_add(sock_.get(), address.get(), NLM_F_REPLACE), subject, "add");
  }

  void set_addresses(const std::string& name, const std::vector<std::string>& cidrs) override {
    const std::string subject = "addresses on " + name;
    std::set<std::string> wanted;
    for (auto& c : cidrs)
      wanted.insert(canonical_cidr(c, subject));
    const int ifindex = rtnl_link_get_ifindex(require(name, subject).get());
    nl_cache* raw = nullptr;
    check(rtnl_addr_alloc_cache(sock_.get(), &raw), subject, "list");
    cache_ptr cache(raw);
    std::set<std::string> present;
    for (nl_object* object = nl_cache_get_first(cache.get()); object;
         object = nl_cache_get_next(object)) {
      auto* address = reinterpret_cast<rtnl_addr*>(object);
      if (rtnl_addr_get_ifindex(address) != ifindex ||
          rtnl_addr_get_scope(address) != RT_SCOPE_UNIVERSE)
        continue;
      const std::string cidr = prefix_text(rtnl_addr_get_local(address),
                                           rtnl_addr_get_prefixlen(address), rtnl_addr_get_family(address));
      if (wanted.count(cidr))
        present.insert(cidr);
      else
        check(rtnl_addr_delete(sock_.get(), address, 0), subject, "remove " + cidr);
    }
    for (auto& c : cidrs)
      if (!present.count(canonical_cidr(c, subject)))
        ensure_address(name, c);
  }

  void set_gateway_routes(const std::vector<gateway_route>& routes) override {
    const std::string subject = "routes";
    std::set<gateway_route> wanted;
    for (auto& r : routes)
      wanted.insert({canonical_cidr(r.destination, subject),
                     ip_text(parse_ip(r.gateway, subject).get())});
    std::set<gateway_route> present;
    for (const int family : {AF_INET, AF_INET6}) {
      nl_cache* raw = nullptr;
      check(rtnl_route_alloc_cache(sock_.get(), family, 0, &raw), subject, "list");
      cache_ptr cache(raw);
      for (nl_object* object = nl_cache_get_first(cache.get()); object;
           object = nl_cache_get_next(object)) {
        auto* route = reinterpret_cast<rtnl_route*>(object);
        if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_nnexthops(route) != 1)
          continue;
        nl_addr* gateway = rtnl_route_nh_get_gateway(rtnl_route_nexthop_n(route, 0));
        if (!gateway)
          continue; // a connected route
        nl_addr* dst = rtnl_route_get_dst(route);
        const gateway_route found{prefix_text(dst, nl_addr_get_prefixlen(dst), family),
                                  ip_text(gateway)};
        if (wanted.count(found))
          present.insert(found);
        else
          check(rtnl_route_delete(sock_.get(), route, 0), subject,
                "remove " + found.destination + " via " + found.gateway);
      }
    }
    for (auto& r : wanted) {
      if (present.count(r))
        continue;
      const std::string what = "add " + r.destination + " via " + r.gateway;
      nl_addr* parsed = nullptr;
      if (nl_addr_parse(r.destination.c_str(), AF_UNSPEC, &parsed) < 0)
        throw netlink_error(subject + ": " + what + ": not a CIDR");
      addr_ptr dst(parsed);
      route_ptr route(allocated(rtnl_route_alloc()));
      rtnl_route_set_family(route.get(), nl_addr_get_family(dst.get()));
      check(rtnl_route_set_dst(route.get(), dst.get()), subject, what);
      rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
      rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
      rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
      rtnl_route_set_type(route.get(), RTN_UNICAST);
      rtnl_nexthop* hop = allocated(rtnl_route_nh_alloc());
      rtnl_route_nh_set_gateway(hop, parse_ip(r.gateway, subject).get());
      rtnl_route_add_nexthop(route.get(), hop); // the route owns it now
      check(rtnl_route_add(sock_.get(), route.get(), NLM_F_REPLACE), subject, what);
    }
  }

  void delete_link(const std::string& name) override {
    delete_link_on(sock_.get(), name, "device " + name);
  }

  std::vector<link_info> links() override {
    nl_cache* raw = nullptr;
    check(rtnl_link_alloc_cache(sock_.get(), AF_UNSPEC, &raw), "devices", "list");
    cache_ptr cache(raw);
    std::vector<link_info> result;
    for (nl_object* object = nl_cache_get_first(cache.get()); object;
         object = nl_cache_get_next(object)) {
      auto* link = reinterpret_cast<rtnl_link*>(object);
      link_info info;
      info.name = rtnl_link_get_name(link);
      info.kind = kind_of(link);
      info.ifindex = rtnl_link_get_ifindex(link);
      info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
      info.mtu = rtnl_link_get_mtu(link);
      if (const int master = rtnl_link_get_master(link); master != 0) {
        char name[IFNAMSIZ + 1] = "";
        if (rtnl_link_i2name(cache.get(), master, name, sizeof(name)))
          info.master = name;
      }
      if (info.kind == "vxlan") // the vxlan getters may only be used on vxlan devices
        rtnl_link_vxlan_get_id(link, &info.vxlan_id);
      result.push_back(std::move(info));
    }
    std::sort(result.begin(), result.end(),
              [](const link_info& a, const link_info& b) { return a.ifindex < b.ifindex; });
    return result;
  }

  bool supports(const std::string& kind) override {
    if (const auto it = supported_.find(kind); it != supported_.end())
      return it->second;
    const bool known = probe_kind(kind);
    supported_[kind] = known;
    return known;
  }

private:
  link_ptr require(const std::string& name, const std::string& subject) {
    link_ptr link = find_link(sock_.get(), name, subject);
    if (!link)
      throw netlink_error(subject + ": device " + name + " not found");
    return link;
  }

  /// The device `name` if it is of `kind`; a device of that name but another
  /// kind is deleted (the names are the agent's own), and null returned.
  link_ptr existing(const std::string& name, const std::string& kind, const std::string& subject) {
    link_ptr link = find_link(sock_.get(), name, subject);
    if (link && kind_of(link.get()) != kind) {
      delete_link_on(sock_.get(), name, subject);
      link.reset();
    }
    return link;
  }

  /// Creates the device described by `link`; EOPNOTSUPP means the kernel
  /// has no such kind, which the error then says (and supports() learns).
  void create(rtnl_link* link, const std::string& kind, const std::string& subject) {
    const int err = rtnl_link_add(sock_.get(), link, NLM_F_CREATE | NLM_F_EXCL);
    if (err == -NLE_OPNOTSUPP) {
      supported_[kind] = false;
      fail(subject, "create", err, missing_kind_hint(kind));
    }
    check(err, subject, "create");
    supported_[kind] = true;
  }

  void change(rtnl_link* link, rtnl_link* changes, const std::string& subject,
              const std::string& operation) {
    check(rtnl_link_change(sock_.get(), link, changes, 0), subject, operation);
  }

  /// A bridge or tunnel of the agent carries guests' frames and needs no
  /// address of its own: no IPv6 link-local address is generated for it
  /// (`addrgenmode none`), which also spares the kernel a route per
  /// device — at a thousand networks, most of the cost of bringing them up.
  /// Set on a new device before it goes up (the kernel takes the mode in
  /// a change, not in the creation).
  void without_ipv6_addresses(rtnl_link* link, const std::string& subject) {
    link_ptr changes(allocated(rtnl_link_alloc()));
    rtnl_link_inet6_set_addr_gen_mode(changes.get(), rtnl_link_inet6_str2addrgenmode("none"));
    change(link, changes.get(), subject, "turn off IPv6 address generation");
  }

  void apply_up(rtnl_link* link, const std::string& subject) {
    if (rtnl_link_get_flags(link) & IFF_UP)
      return;
    link_ptr changes(allocated(rtnl_link_alloc()));
    rtnl_link_set_flags(changes.get(), IFF_UP);
    change(link, changes.get(), subject, "bring up");
  }

  void apply_mtu(rtnl_link* link, unsigned mtu, const std::string& subject) {
    if (rtnl_link_get_mtu(link) == mtu)
      return;
    link_ptr changes(allocated(rtnl_link_alloc()));
    rtnl_link_set_mtu(changes.get(), mtu);
    change(link, changes.get(), subject, "set MTU " + std::to_string(mtu));
  }

  /// One IFLA_BR_* option (a u32) of an existing bridge, as
  /// `ip link set X type bridge <option> <value>` sends it.
  void set_bridge_option(rtnl_link* bridge, int option, uint32_t value, const std::string& subject,
                         const std::string& operation) {
    msg_ptr msg = link_request(RTM_NEWLINK, 0, AF_UNSPEC, rtnl_link_get_ifindex(bridge));
    nlattr* info = open_nest(msg.get(), IFLA_LINKINFO);
    put(nla_put_string(msg.get(), IFLA_INFO_KIND, "bridge"));
    nlattr* data = open_nest(msg.get(), IFLA_INFO_DATA);
    put(nla_put_u32(msg.get(), option, value));
    nla_nest_end(msg.get(), data);
    nla_nest_end(msg.get(), info);
    check(send_and_wait(sock_.get(), std::move(msg)), subject, operation);
  }

  static bool vxlan_matches(rtnl_link* link, uint32_t vni, nl_addr* local, int underlay,
                            uint16_t port) {
    uint32_t have_vni = 0, have_port = 0, have_underlay = 0;
    nl_addr* raw_local = nullptr;
    nl_addr* raw_group = nullptr;
    if (rtnl_link_vxlan_get_id(link, &have_vni) < 0 || have_vni != vni)
      return false;
    if (rtnl_link_vxlan_get_port(link, &have_port) < 0 || have_port != port)
      return false;
    if (rtnl_link_vxlan_get_link(link, &have_underlay) < 0)
      have_underlay = 0; // none
    if (have_underlay != static_cast<uint32_t>(underlay))
      return false;
    if (rtnl_link_vxlan_get_learning(link) != 1)
      return false;
    if (rtnl_link_vxlan_get_group(link, &raw_group) >= 0) { // we want no group
      addr_ptr group(raw_group);
      return false;
    }
    if (rtnl_link_vxlan_get_local(link, &raw_local) < 0)
      return false;
    addr_ptr have_local(raw_local);
    return nl_addr_cmp(have_local.get(), local) == 0;
  }

  /// Whether `local` (a veth) is paired with the device `peer_name` that
  /// `peer_sock` sees. Each end names the other's ifindex (IFLA_LINK);
  /// checking both ways rules out chance matches across namespaces.
  static bool is_peer(nl_sock* peer_sock, rtnl_link* local, const std::string& peer_name,
                      const std::string& subject) {
    link_ptr peer = find_link(peer_sock, peer_name, subject);
    return peer && kind_of(peer.get()) == "veth" &&
           rtnl_link_get_link(peer.get()) == rtnl_link_get_ifindex(local) &&
           rtnl_link_get_link(local) == rtnl_link_get_ifindex(peer.get());
  }

  static std::string describe_kind(rtnl_link* link) {
    const std::string kind = kind_of(link);
    return kind.empty() ? "plain" : kind;
  }

  socket_ptr sock_;
  std::map<std::string, bool> supported_; // by kind, see supports()
};

} // namespace

std::unique_ptr<netlink_driver> open_netlink_driver(const std::string& netns_path) {
  return std::make_unique<libnl_driver>(connect_in(netns_path));
}

} // namespace stratus::netlink
