// The netlink driver against the real kernel. Two "hypervisor hosts" and two
// guests, each a network namespace, wired as Neutron's linuxbridge agent
// wires a VXLAN network; then checked as a user would check it: the guests
// ping each other, `bridge fdb show`, `ip link show`.
//
//   guest1  192.0.2.1/24                                  guest2  192.0.2.2/24
//     eth0                                                  eth0
//       | veth                                                | veth
//   host1  tap5e1c77a0-2d -- brq3f2a9c1d-7b -- vxlan-42      (the same in host2)
//                                                |
//          ul-h1 198.51.100.1 ====== veth ====== 198.51.100.2 ul-h2
//
// Every test makes its namespaces (names carry the pid, so parallel runs do
// not clash), removes them, and checks `ip netns list` shows none of them.
// Needs root; skipped otherwise.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"
#include "tests/netns/netns_helpers.hpp"

using namespace stratus::netlink;
using namespace stratus::test;

namespace {

// Neutron's names: "brq"/"tap" + 11 characters of the network/port id.
const std::string bridge = "brq3f2a9c1d-7b";
const std::string vxlan = "vxlan-42";
constexpr uint32_t vni = 42;
const std::string tap1 = "tap5e1c77a0-2d";
const std::string tap2 = "tap9b04e6f3-81";
constexpr unsigned overlay_mtu = 1450; // the underlay's 1500 minus VXLAN's 50

const link_info* find(const std::vector<link_info>& links, const std::string& name) {
  const auto it = std::find_if(links.begin(), links.end(),
                               [&](const link_info& link) { return link.name == name; });
  return it == links.end() ? nullptr : &*it;
}

size_t count(const std::vector<link_info>& links, const std::string& name) {
  return std::count_if(links.begin(), links.end(),
                       [&](const link_info& link) { return link.name == name; });
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class NetlinkDriver : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root for network namespaces";
    if (!have_command("ip") || !have_command("bridge") || !have_command("ping"))
      GTEST_SKIP() << "needs iproute2 and iputils-ping";
    for (const char* role : {"host1", "host2", "guest1", "guest2"}) {
      made_.push_back(ns(role));
      path_[role] = create_namespace(ns(role));
      driver_[role] = open_netlink_driver(path_[role]);
    }
  }

  void TearDown() override {
    driver_.clear(); // their sockets would keep the namespaces alive
    for (const auto& name : made_)
      delete_namespace(name);
    EXPECT_TRUE(lines_with(run("ip netns list").output, netns_prefix()).empty())
        << run("ip netns list").output;
  }

  static std::string ns(const std::string& role) {
    return netns_prefix() + role;
  }
  netlink_driver& driver(const std::string& role) {
    return *driver_.at(role);
  }
  /// What `command` prints when run in the namespace of `role`.
  static std::string in(const std::string& role, const std::string& command) {
    return run("ip netns exec " + ns(role) + " " + command).output;
  }

  /// Sets up a state for the driver to find (drift), with iproute2.
  static void given(const std::string& role, const std::string& command) {
    const command_result result = run("ip netns exec " + ns(role) + " " + command);
    EXPECT_EQ(result.status, 0) << command << ": " << result.output;
  }

  /// The underlay: a veth between the hosts, with an address at each end.
  void connect_underlay() {
    driver("host1").ensure_veth("ul-h1", "ul-h2", path_["host2"]);
    driver("host1").ensure_address("ul-h1", "198.51.100.1/24");
    driver("host2").ensure_address("ul-h2", "198.51.100.2/24");
    driver("host2").set_up("ul-h2");
  }

  /// One host's share of the network, as the agent's resync makes it: the
  /// bridge, the VXLAN device flooding to the other host, the guest's port.
  void plug(const std::string& host, const std::string& underlay, const std::string& local,
            const std::string& remote, const std::string& tap, const std::string& guest,
            const std::string& guest_cidr) {
    netlink_driver& h = driver(host);
    h.ensure_bridge(bridge, overlay_mtu);
    h.ensure_vxlan(vxlan, vni, local, underlay, 4789, overlay_mtu);
    h.set_master(vxlan, bridge);
    h.set_vxlan_remotes(vxlan, {remote});
    h.ensure_veth(tap, "eth0", path_[guest]);
    h.set_master(tap, bridge);
    netlink_driver& g = driver(guest);
    g.set_mtu("eth0", overlay_mtu);
    g.ensure_address("eth0", guest_cidr);
    g.set_up("eth0");
  }
  void plug_host1() {
    plug("host1", "ul-h1", "198.51.100.1", "198.51.100.2", tap1, "guest1", "192.0.2.1/24");
  }
  void plug_host2() {
    plug("host2", "ul-h2", "198.51.100.2", "198.51.100.1", tap2, "guest2", "192.0.2.2/24");
  }
  void build() {
    connect_underlay();
    plug_host1();
    plug_host2();
  }

  /// The all-zeros (flooding) entries `bridge fdb show` lists for the VXLAN device.
  static std::vector<std::string> flooding(const std::string& host) {
    return lines_with(in(host, "bridge fdb show dev " + vxlan), "00:00:00:00:00:00");
  }

  std::map<std::string, std::string> path_;
  std::map<std::string, std::unique_ptr<netlink_driver>> driver_;

private:
  std::vector<std::string> made_;
};

TEST_F(NetlinkDriver, GuestsOnTwoHostsPingEachOtherOverVxlan) {
  build();
  EXPECT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));
  EXPECT_TRUE(ping_within(ns("guest2"), "192.0.2.1"));
  // A full-size packet that must not be fragmented fits the overlay MTU:
  // 1450 - 20 (IP) - 8 (ICMP) = 1422 bytes of payload.
  EXPECT_EQ(run("ip netns exec " + ns("guest1") + " ping -c1 -W1 -M do -s 1422 192.0.2.2").status,
            0);
}

TEST_F(NetlinkDriver, EveryEnsureTwiceLeavesOneDeviceAndNoError) {
  build();
  ASSERT_NO_THROW(build());
  for (const auto& [host, names] : std::map<std::string, std::vector<std::string>>{
           {"host1", {bridge, vxlan, tap1, "ul-h1"}}, {"host2", {bridge, vxlan, tap2, "ul-h2"}}}) {
    const auto links = driver(host).links();
    for (const auto& name : names)
      EXPECT_EQ(count(links, name), 1u) << name << " in " << host;
    EXPECT_EQ(flooding(host).size(), 1u) << host;
  }
  EXPECT_EQ(count(driver("guest1").links(), "eth0"), 1u);
  EXPECT_EQ(lines_with(in("guest1", "ip -o -4 addr show dev eth0"), "192.0.2.1/24").size(), 1u);
  driver("guest1").ensure_address("eth0", "2001:db8::1/64");
  driver("guest1").ensure_address("eth0", "2001:db8::1/64");
  EXPECT_EQ(lines_with(in("guest1", "ip -o -6 addr show dev eth0"), "2001:db8::1/64").size(), 1u);
  EXPECT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));
}

TEST_F(NetlinkDriver, ADeletedVxlanDeviceIsMadeAgainAndTrafficFlowsAgain) {
  build();
  ASSERT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));
  driver("host1").delete_link(vxlan);
  EXPECT_FALSE(ping_once(ns("guest1"), "192.0.2.2")); // the overlay is really cut
  plug_host1();                                       // the agent's next resync
  const auto links = driver("host1").links();
  ASSERT_NE(find(links, vxlan), nullptr);
  EXPECT_EQ(find(links, vxlan)->master, bridge);
  EXPECT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));
}

TEST_F(NetlinkDriver, SetVxlanRemotesReplacesTheFloodingList) {
  connect_underlay();
  netlink_driver& host = driver("host1");
  host.ensure_vxlan(vxlan, vni, "198.51.100.1", "ul-h1", 4789, overlay_mtu);
  // An entry for a learnt or known MAC, which is not the flooding list's.
  given("host1", "bridge fdb add fa:16:3e:aa:bb:cc dev " + vxlan + " dst 198.51.100.9");

  host.set_vxlan_remotes(vxlan, {"198.51.100.2"});
  auto entries = flooding("host1");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(contains(entries[0], "dst 198.51.100.2")) << entries[0];

  host.set_vxlan_remotes(vxlan, {"198.51.100.7", "198.51.100.8"});
  host.set_vxlan_remotes(vxlan, {"198.51.100.8", "198.51.100.7"}); // same set: no change
  entries = flooding("host1");
  ASSERT_EQ(entries.size(), 2u);
  const std::string all = entries[0] + entries[1];
  EXPECT_TRUE(contains(all, "dst 198.51.100.7")) << all;
  EXPECT_TRUE(contains(all, "dst 198.51.100.8")) << all;
  EXPECT_FALSE(contains(all, "dst 198.51.100.2")) << all;

  host.set_vxlan_remotes(vxlan, {});
  EXPECT_TRUE(flooding("host1").empty());
  EXPECT_EQ(lines_with(in("host1", "bridge fdb show dev " + vxlan), "fa:16:3e:aa:bb:cc").size(),
            1u);
}

TEST_F(NetlinkDriver, DeletingAnAbsentDeviceIsNotAnError) {
  EXPECT_NO_THROW(driver("host1").delete_link("nosuch0"));
  connect_underlay();
  driver("host1").delete_link("ul-h1");
  EXPECT_NO_THROW(driver("host1").delete_link("ul-h1"));
  EXPECT_EQ(find(driver("host1").links(), "ul-h1"), nullptr);
  EXPECT_EQ(find(driver("host2").links(), "ul-h2"), nullptr); // a veth takes its peer along
}

TEST_F(NetlinkDriver, LinksListsKindsMastersAndState) {
  build();
  const auto links = driver("host1").links();
  const link_info* br = find(links, bridge);
  ASSERT_NE(br, nullptr);
  EXPECT_EQ(br->kind, "bridge");
  EXPECT_EQ(br->master, "");
  EXPECT_TRUE(br->up);
  EXPECT_EQ(br->mtu, overlay_mtu);
  const link_info* vx = find(links, vxlan);
  ASSERT_NE(vx, nullptr);
  EXPECT_EQ(vx->kind, "vxlan");
  EXPECT_EQ(vx->master, bridge);
  EXPECT_EQ(vx->vxlan_id, vni);
  EXPECT_TRUE(vx->up);
  EXPECT_EQ(vx->mtu, overlay_mtu);
  const link_info* tap = find(links, tap1);
  ASSERT_NE(tap, nullptr);
  EXPECT_EQ(tap->kind, "veth");
  EXPECT_EQ(tap->master, bridge);
  EXPECT_TRUE(tap->up);
  EXPECT_EQ(tap->vxlan_id, 0u);
  const link_info* underlay = find(links, "ul-h1");
  ASSERT_NE(underlay, nullptr);
  EXPECT_EQ(underlay->kind, "veth");
  EXPECT_EQ(underlay->master, "");
  const link_info* lo = find(links, "lo");
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->kind, "");
  EXPECT_TRUE(std::is_sorted(links.begin(), links.end(),
                             [](const auto& a, const auto& b) { return a.ifindex < b.ifindex; }));
  // The ifindex is the kernel's.
  EXPECT_TRUE(contains(in("host1", "ip -o link show " + vxlan), std::to_string(vx->ifindex) + ":"));

  const link_info* eth0 = find(driver("guest1").links(), "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(eth0->kind, "veth");
  EXPECT_EQ(eth0->mtu, overlay_mtu);
  EXPECT_TRUE(eth0->up);
}

TEST_F(NetlinkDriver, SupportsMatchesWhatTheKernelCanCreate) {
  connect_underlay();
  netlink_driver& host = driver("host1");
  EXPECT_TRUE(host.supports("vxlan"));
  EXPECT_TRUE(host.supports("bridge"));
  EXPECT_TRUE(host.supports("veth"));
  EXPECT_FALSE(host.supports("no-such-kind"));
  // Asked of the kernel independently, through iproute2.
  const bool kernel_has_vlan =
      run("ip netns exec " + ns("host1") + " ip link add link ul-h1 name probe.5 type vlan id 5")
          .status == 0;
  const bool kernel_has_gre = run("ip netns exec " + ns("host1") +
                                  " ip link add probe-gt type gretap local 198.51.100.1"
                                  " remote 198.51.100.2")
                                  .status == 0;
  EXPECT_EQ(host.supports("vlan"), kernel_has_vlan);
  EXPECT_EQ(host.supports("gretap"), kernel_has_gre);
  // The probe leaves nothing in the namespace it was asked from.
  const auto links = host.links();
  EXPECT_EQ(find(links, "probe0"), nullptr);
}

TEST_F(NetlinkDriver, EnsureVlanSaysWhenTheKernelHasNo8021Q) {
  connect_underlay();
  netlink_driver& host = driver("host1");
  if (host.supports("vlan")) { // a kernel with 802.1Q (e.g. a UML test host)
    host.ensure_vlan("vlan-5", "ul-h1", 5);
    host.ensure_vlan("vlan-5", "ul-h1", 5);
    const auto links = host.links();
    ASSERT_EQ(count(links, "vlan-5"), 1u);
    EXPECT_EQ(find(links, "vlan-5")->kind, "vlan");
    return;
  }
  try {
    host.ensure_vlan("vlan-5", "ul-h1", 5);
    FAIL() << "ensure_vlan succeeded on a kernel without 802.1Q";
  } catch (const netlink_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "vlan device vlan-5 on ul-h1")) << what;
    EXPECT_TRUE(contains(what, "Operation not supported")) << what;
    EXPECT_TRUE(contains(what, "this kernel has no 802.1Q VLAN support")) << what;
  }
  EXPECT_EQ(find(host.links(), "vlan-5"), nullptr);
}

TEST_F(NetlinkDriver, EnsureGretapSaysWhenTheKernelHasNoGre) {
  connect_underlay();
  netlink_driver& host = driver("host1");
  if (host.supports("gretap")) {
    host.ensure_gretap("gre-7", "198.51.100.1", "198.51.100.2", 7);
    host.ensure_gretap("gre-7", "198.51.100.1", "198.51.100.2", 7);
    const auto links = host.links();
    ASSERT_EQ(count(links, "gre-7"), 1u);
    EXPECT_EQ(find(links, "gre-7")->kind, "gretap");
    EXPECT_TRUE(contains(in("host1", "ip -d link show gre-7"), "key 0.0.0.7"));
    return;
  }
  try {
    host.ensure_gretap("gre-7", "198.51.100.1", "198.51.100.2", 7);
    FAIL() << "ensure_gretap succeeded on a kernel without GRE";
  } catch (const netlink_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "gretap device gre-7")) << what;
    EXPECT_TRUE(contains(what, "Operation not supported")) << what;
    EXPECT_TRUE(contains(what, "this kernel has no GRE support")) << what;
  }
}

TEST_F(NetlinkDriver, IsolatedBridgePortsDoNotForwardToEachOther) {
  // Both guests on host1's bridge; no VXLAN needed.
  netlink_driver& host = driver("host1");
  host.ensure_bridge(bridge, 1500);
  for (const auto& [tap, guest, cidr] :
       {std::tuple{tap1, "guest1", "192.0.2.1/24"}, std::tuple{tap2, "guest2", "192.0.2.2/24"}}) {
    host.ensure_veth(tap, "eth0", path_[guest]);
    host.set_master(tap, bridge);
    driver(guest).ensure_address("eth0", cidr);
    driver(guest).set_up("eth0");
  }
  ASSERT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));

  host.set_bridge_port_isolated(tap1, true);
  host.set_bridge_port_isolated(tap2, true);
  host.set_bridge_port_isolated(tap2, true); // a repeat is fine
  EXPECT_TRUE(contains(in("host1", "bridge -d link show dev " + tap1), "isolated on"));
  EXPECT_FALSE(ping_once(ns("guest1"), "192.0.2.2"));

  host.set_bridge_port_isolated(tap2, false);
  EXPECT_TRUE(contains(in("host1", "bridge -d link show dev " + tap2), "isolated off"));
  EXPECT_TRUE(ping_within(ns("guest1"), "192.0.2.2"));

  try {
    driver("guest1").set_bridge_port_isolated("eth0", true);
    FAIL() << "a device that is no bridge port was isolated";
  } catch (const netlink_error& e) {
    EXPECT_TRUE(contains(e.what(), "not a port of any bridge")) << e.what();
  }
}

TEST_F(NetlinkDriver, EnsureBridgeFixesStpAndForwardDelay) {
  given("host1", "ip link add " + bridge + " type bridge stp_state 1 forward_delay 1500");
  driver("host1").ensure_bridge(bridge, overlay_mtu);
  const std::string details = in("host1", "ip -d link show " + bridge);
  EXPECT_TRUE(contains(details, "stp_state 0")) << details;
  EXPECT_TRUE(contains(details, "forward_delay 0 ")) << details;
  EXPECT_TRUE(contains(details, "mtu 1450")) << details;
  EXPECT_TRUE(find(driver("host1").links(), bridge)->up);
}

TEST_F(NetlinkDriver, EnsureVxlanRemakesADeviceThatDiffers) {
  connect_underlay();
  // The right name with the wrong VNI and port, as a crashed older agent may leave it.
  given("host1",
        "ip link add " + vxlan + " type vxlan id 43 dstport 4790 local 198.51.100.1 dev ul-h1");
  driver("host1").ensure_vxlan(vxlan, vni, "198.51.100.1", "ul-h1", 4789, overlay_mtu);
  std::string details = in("host1", "ip -d link show " + vxlan);
  EXPECT_TRUE(contains(details, "vxlan id 42 ")) << details;
  EXPECT_TRUE(contains(details, "dstport 4789")) << details;
  EXPECT_TRUE(contains(details, "local 198.51.100.1")) << details;

  // The right name on a device of another kind.
  driver("host1").delete_link(vxlan);
  given("host1", "ip link add " + vxlan + " type bridge");
  driver("host1").ensure_vxlan(vxlan, vni, "198.51.100.1", "ul-h1", 4789, overlay_mtu);
  EXPECT_EQ(find(driver("host1").links(), vxlan)->kind, "vxlan");
}

TEST_F(NetlinkDriver, EnsureVethRemakesAPairWhosePeerWentMissing) {
  netlink_driver& host = driver("host1");
  host.ensure_veth(tap1, "eth0", path_["guest1"]);
  given("guest1", "ip link set eth0 name eth9"); // the peer is no longer where it should be
  host.ensure_veth(tap1, "eth0", path_["guest1"]);
  const auto guest_links = driver("guest1").links();
  ASSERT_NE(find(guest_links, "eth0"), nullptr);
  EXPECT_EQ(find(guest_links, "eth0")->kind, "veth");
  EXPECT_EQ(find(guest_links, "eth9"), nullptr); // gone with the old pair
  EXPECT_EQ(count(host.links(), tap1), 1u);

  // Both ends in one namespace.
  host.ensure_veth("left0", "right0", "");
  host.ensure_veth("left0", "right0", "");
  const auto links = host.links();
  EXPECT_EQ(count(links, "left0"), 1u);
  EXPECT_EQ(count(links, "right0"), 1u);
}

TEST_F(NetlinkDriver, SetsMacAndMtu) {
  connect_underlay();
  netlink_driver& host = driver("host1");
  host.set_mac("ul-h1", "fa:16:3e:00:00:01");
  host.set_mac("ul-h1", "fa:16:3e:00:00:01");
  EXPECT_TRUE(contains(in("host1", "ip link show ul-h1"), "link/ether fa:16:3e:00:00:01"));
  host.set_mtu("ul-h1", 1400);
  EXPECT_EQ(find(host.links(), "ul-h1")->mtu, 1400u);
}

TEST_F(NetlinkDriver, ErrorsNameTheDeviceAndTheReason) {
  netlink_driver& host = driver("host1");
  const auto message = [](const auto& call) -> std::string {
    try {
      call();
    } catch (const netlink_error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message([&] { host.set_up("nosuch0"); }), "device nosuch0: device nosuch0 not found");
  EXPECT_TRUE(
      contains(message([&] { host.ensure_address("lo", "192.0.2.300/24"); }), "not an IP address"));
  host.ensure_bridge(bridge, 1500);
  EXPECT_TRUE(contains(message([&] { host.set_vxlan_remotes(bridge, {"198.51.100.2"}); }),
                       "not a vxlan device"));
  EXPECT_TRUE(contains(message([&] { host.set_master("lo", "lo"); }), "not a bridge"));
  EXPECT_TRUE(contains(message([&] { host.set_mtu(bridge, 10); }), "set MTU 10"));
}

} // namespace
