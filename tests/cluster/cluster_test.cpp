// Whole clusters of separate processes, started and stopped with the real
// launcher and observed with the real introspection tool.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "messages/cluster.hpp"
#include "messages/storage.hpp"
#include "runtime/log.hpp"
#include "runtime/node_config.hpp"
#include "runtime/transport.hpp"
#include "tests/support/launcher.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"
#include "tools/cluster/cluster_probe.hpp"
#include "tools/cluster/host_network.hpp"
#include "tools/cluster/uml_host.hpp"

using namespace stratus;
using namespace std::chrono_literals;

namespace {

constexpr int heartbeat_ms = 200;

const char* three_nodes = R"(
[cluster]
heartbeat_ms = 200
liveness = 3
[[node]]
name = "ctl-1"
roles = ["conductor", "echo"]
[[node]]
name = "cmp-1"
roles = ["echo"]
[[node]]
name = "cmp-2"
roles = ["echo"]
)";

// cmp-1 gets a namespace for its role (as root), cmp-2 because its host_kind
// says so (echo alone would stay in the machine's own namespace).
const char* namespaced_nodes = R"(
[cluster]
heartbeat_ms = 200
provider_address = "100.64.47.1/24"
[[node]]
name = "ctl-1"
roles = ["echo"]
[[node]]
name = "cmp-1"
roles = ["echo", "compute"]
[[node]]
name = "cmp-2"
roles = ["echo"]
host_kind = "netns"
)";

// cmp-1 runs in a user-mode Linux kernel of its own; its network agent
// reports what that kernel makes. Every system call there is a round trip
// through ptrace, so heartbeats get more slack than elsewhere.
const char* uml_nodes = R"(
[cluster]
heartbeat_ms = 500
[[node]]
name = "ctl-1"
roles = ["echo"]
[[node]]
name = "cmp-1"
roles = ["echo", "network-agent"]
host_kind = "uml"
)";

class ClusterTest : public ::testing::Test {
protected:
  void SetUp() override { runtime::init_logging("test", "warn"); }
  void TearDown() override { test::launch(state(), "down"); }

  std::filesystem::path state() const { return dir.path() / "state"; }

  void up(const char* cluster) {
    auto file = test::write_cluster_file(dir.path(), cluster);
    auto r = test::launch(state(), "up --cluster " + file.string());
    ASSERT_EQ(r.code, 0) << r.output;
    ASSERT_NE(r.output.find("cluster up"), std::string::npos) << r.output;
  }

  test::temp_dir dir;
};

nlohmann::json status_json(const std::filesystem::path& state) {
  auto r = test::launch(state, "status --json");
  return nlohmann::json::parse(r.output, nullptr, false);
}

std::string state_of(const nlohmann::json& status, const std::string& node) {
  for (auto& n : status)
    if (n["node"] == node)
      return n["state"];
  return "missing";
}

/// Whether `ip netns list` shows a namespace whose name starts with `prefix`.
bool netns_listed(const std::string& prefix) {
  std::istringstream in(test::run("ip netns list").output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0)
      return true;
  return false;
}

/// Whether `ip link` shows a device in this namespace whose name starts with `prefix`.
bool link_listed(const std::string& prefix) {
  std::istringstream in(test::run("ip -o link show").output);
  for (std::string line; std::getline(in, line);) // "7: stv…@if2: <…"
    if (auto colon = line.find(": ");
        colon != std::string::npos && line.compare(colon + 2, prefix.size(), prefix) == 0)
      return true;
  return false;
}

/// The IPv4 addresses of ul0 in `netns`, as `ip -4 -o addr` prints them.
std::string underlay_addresses(const std::string& netns) {
  return test::run("ip -n " + netns + " -4 -o addr show dev ul0").output;
}

bool pings(const std::string& netns, const std::string& address) {
  return test::run("ip netns exec " + netns + " ping -c1 -W1 " + address).code == 0;
}

/// Whether `netns` has a device `name`.
bool has_link(const std::string& netns, const std::string& name) {
  return test::run("ip -n " + netns + " link show dev " + name).code == 0;
}

/// The pids of the live processes in session `sid` (a UML kernel's helpers).
std::vector<pid_t> session_members(pid_t sid) {
  std::vector<pid_t> pids;
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    std::getline(in, line);
    auto paren = line.rfind(')');
    if (paren == std::string::npos)
      continue;
    std::istringstream rest(line.substr(paren + 2)); // state ppid pgrp session …
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    rest >> state >> ppid >> pgrp >> session;
    if (session == sid && state != 'Z')
      pids.push_back(std::stoi(name));
  }
  return pids;
}

/// The line of `file` that contains `text`, or "".
std::string line_with(const std::filesystem::path& file, const std::string& text) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.find(text) != std::string::npos)
      return line;
  return {};
}

tools::node_spec node_with(std::string name, std::vector<std::string> roles,
                           std::string kind = "") {
  tools::node_spec n;
  n.name = std::move(name);
  n.roles = std::move(roles);
  n.host_kind = std::move(kind);
  return n;
}

} // namespace

TEST_F(ClusterTest, UpServesRequestsAcrossProcessesAndDownLeavesNothing) {
  up(three_nodes);
  tools::cluster_probe probe{tools::load_state({state()})};
  for (std::string node : {"ctl-1", "cmp-1", "cmp-2"}) {
    ASSERT_TRUE(probe.client().wait_for_peer(node, 5s)) << node;
    auto r = runtime::call(probe.client(), "echo@" + node, msg::echo_request{"hello"}, 5s);
    ASSERT_TRUE(r) << node << ": " << r.error.message;
    EXPECT_EQ(r->node, node);
  }
  auto put = runtime::call(probe.client(), "conductor@ctl-1",
                           msg::put_record_request{"scratch", "k", {'v'}, 0, false}, 5s);
  ASSERT_TRUE(put) << put.error.message;

  auto nodes = test::inspect(state(), "nodes --json");
  ASSERT_EQ(nodes.code, 0) << nodes.output;
  auto j = nlohmann::json::parse(nodes.output);
  ASSERT_EQ(j.size(), 3u);
  for (auto& n : j) {
    EXPECT_TRUE(n["alive"].get<bool>()) << n.dump();
    ASSERT_EQ(n["peers"].size(), 2u);
    for (auto& p : n["peers"])  // every node sees every other
      EXPECT_TRUE(p["up"].get<bool>()) << n["node"] << " sees " << p.dump();
  }
  auto actors = test::inspect(state(), "actors");
  EXPECT_NE(actors.output.find("conductor@ctl-1"), std::string::npos) << actors.output;

  std::vector<pid_t> pids;
  for (std::string node : {"ctl-1", "cmp-1", "cmp-2"})
    pids.push_back(test::node_pid(state(), node));
  auto down = test::launch(state(), "down");
  ASSERT_EQ(down.code, 0) << down.output;
  for (auto pid : pids)
    EXPECT_FALSE(test::alive(pid)) << "pid " << pid << " outlived down";
}

TEST_F(ClusterTest, KilledNodeIsSeenDownAndRejoinsAfterRestart) {
  up(three_nodes);
  tools::cluster_probe probe{tools::load_state({state()})};
  ASSERT_TRUE(probe.client().wait_for_peer("cmp-2", 5s));
  ASSERT_TRUE(runtime::call(probe.client(), "echo@cmp-2", msg::echo_request{"x"}, 5s));

  ASSERT_EQ(::kill(test::node_pid(state(), "cmp-2"), SIGKILL), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = runtime::call(probe.client(), "echo@cmp-2", msg::echo_request{"x"}, 10s);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::unavailable) << r.error.message;
  // within 3 heartbeats (plus one interval of scheduling slack), not the 10 s deadline
  EXPECT_LE(waited, std::chrono::milliseconds{4 * heartbeat_ms + 300});

  auto status = status_json(state());
  EXPECT_EQ(state_of(status, "cmp-2"), "down") << status.dump();
  EXPECT_EQ(state_of(status, "ctl-1"), "up") << status.dump();

  auto again = test::launch(state(), "up");  // restarts only what is missing
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("ctl-1 already running"), std::string::npos) << again.output;
  EXPECT_TRUE(test::wait_until(
    [&] { return static_cast<bool>(runtime::call(probe.client(), "echo@cmp-2", msg::echo_request{"x"}, 1s)); },
    10s));
  EXPECT_TRUE(test::wait_until(
    [&] {
      auto d = runtime::call(probe.client(), "mmi@ctl-1", msg::describe_node_request{}, 1s);
      if (!d)
        return false;
      for (auto& p : d->peers)
        if (p.node == "cmp-2")
          return p.up;
      return false;
    },
    10s))
    << "ctl-1 never saw cmp-2 come back";
  EXPECT_EQ(state_of(status_json(state()), "cmp-2"), "up");
}

TEST_F(ClusterTest, CurveClusterServesItsOperatorOnly) {
  up(R"(
[cluster]
heartbeat_ms = 200
curve = true
[[node]]
name = "ctl-1"
roles = ["echo"]
[[node]]
name = "cmp-1"
roles = ["echo"]
)");
  auto nodes = test::inspect(state(), "nodes --json");  // the operator key is accepted
  ASSERT_EQ(nodes.code, 0) << nodes.output;
  for (auto& n : nlohmann::json::parse(nodes.output))
    for (auto& p : n["peers"])  // and the nodes accept each other
      EXPECT_TRUE(p["up"].get<bool>()) << n["node"] << " sees " << p.dump();

  auto spec = tools::load_state({state()});  // knows every node's public key, but ...
  std::tie(spec.operator_public_key, spec.operator_secret_key) =
    runtime::make_curve_keypair();  // ... holds a key of its own, not the operator's
  tools::cluster_probe outsider{spec};
  EXPECT_FALSE(outsider.client().wait_for_peer("ctl-1", 1s));  // ... is never let in
}

TEST_F(ClusterTest, BusyPortIsAClearError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  auto file = test::write_cluster_file(
    dir.path(), "[[node]]\nname = \"ctl-1\"\nroles = [\"echo\"]\nport = " + std::to_string(port) + "\n");
  auto r = test::launch(state(), "up --cluster " + file.string());
  ::close(fd);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("port " + std::to_string(port)), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("already in use"), std::string::npos) << r.output;
}

TEST_F(ClusterTest, NodeDyingDuringStartShowsItsLastLogLines) {
  auto file = test::write_cluster_file(dir.path(),
                                       "[[node]]\nname = \"ctl-1\"\nroles = [\"no-such-role\"]\n");
  auto r = test::launch(state(), "up --cluster " + file.string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("exited with code"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown role 'no-such-role'"), std::string::npos) << r.output;
}

TEST_F(ClusterTest, NamespacedNodesShareAnUnderlayAndDownRemovesIt) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root: only then do nodes get network namespaces";
  up(namespaced_nodes);
  const std::string id = tools::load_state({state()}).cluster_id;
  ASSERT_EQ(id.size(), 6u);
  const std::string ns1 = "stratus-" + id + "-cmp-1";
  const std::string ns2 = "stratus-" + id + "-cmp-2";
  EXPECT_TRUE(netns_listed(ns1));
  EXPECT_TRUE(netns_listed(ns2));
  EXPECT_FALSE(netns_listed("stratus-" + id + "-ctl-1"));
  EXPECT_TRUE(link_listed("stul" + id));
  EXPECT_NE(underlay_addresses(ns1).find("198.51.100.2/24"), std::string::npos)
      << underlay_addresses(ns1);
  EXPECT_NE(underlay_addresses(ns2).find("198.51.100.3/24"), std::string::npos)
      << underlay_addresses(ns2);
  EXPECT_TRUE(test::wait_until([&] { return pings(ns1, "198.51.100.3"); }, 10s, 100ms));

  // The provider network: pv0 in each namespace, on a bridge of its own,
  // reaching the other's (addresses for the test only).
  EXPECT_TRUE(link_listed("stpv" + id));
  EXPECT_TRUE(has_link(ns1, "pv0"));
  EXPECT_TRUE(has_link(ns2, "pv0"));
  EXPECT_EQ(test::run("ip -n " + ns1 + " -4 -o addr show dev pv0").output, "")
      << "pv0 should carry no address of the launcher's";
  ASSERT_EQ(test::run("ip -n " + ns1 + " addr add 203.0.113.1/24 dev pv0").code, 0);
  ASSERT_EQ(test::run("ip -n " + ns2 + " addr add 203.0.113.2/24 dev pv0").code, 0);
  EXPECT_TRUE(test::wait_until([&] { return pings(ns1, "203.0.113.2"); }, 10s, 100ms));
  // The machine itself is on the provider network at `provider_address`.
  ASSERT_EQ(test::run("ip -n " + ns1 + " addr add 100.64.47.7/24 dev pv0").code, 0);
  EXPECT_TRUE(test::wait_until([&] { return pings(ns1, "100.64.47.1"); }, 10s, 100ms));
  EXPECT_EQ(test::run("ip -n " + ns1 + " addr del 100.64.47.7/24 dev pv0").code, 0);
  EXPECT_EQ(test::run("ip -n " + ns1 + " addr del 203.0.113.1/24 dev pv0").code, 0);
  EXPECT_EQ(test::run("ip -n " + ns2 + " addr del 203.0.113.2/24 dev pv0").code, 0);

  // The network roles learn their namespace; roles elsewhere learn nothing.
  auto cmp1 = runtime::load_node_config(state() / "nodes" / "cmp-1.toml");
  EXPECT_EQ(cmp1.settings["compute"]["host_netns"], "/run/netns/" + ns1);
  EXPECT_EQ(cmp1.settings["compute"]["tunnel_ip"], "198.51.100.2");
  EXPECT_EQ(cmp1.settings["compute"]["underlay_device"], "ul0");
  EXPECT_EQ(cmp1.settings["echo"].count("host_netns"), 0u);
  auto ctl1 = runtime::load_node_config(state() / "nodes" / "ctl-1.toml");
  EXPECT_EQ(ctl1.settings["echo"].count("host_netns"), 0u);

  // Another `up` of the same state, its nodes listed the other way round,
  // keeps every address (and the nodes running on them).
  auto file = test::write_cluster_file(dir.path(), R"(
[cluster]
heartbeat_ms = 200
[[node]]
name = "cmp-2"
roles = ["echo"]
host_kind = "netns"
[[node]]
name = "cmp-1"
roles = ["echo", "compute"]
[[node]]
name = "ctl-1"
roles = ["echo"]
)");
  auto again = test::launch(state(), "up --cluster " + file.string());
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("cmp-1 already running"), std::string::npos) << again.output;
  EXPECT_NE(underlay_addresses(ns1).find("198.51.100.2/24"), std::string::npos)
      << underlay_addresses(ns1);
  EXPECT_NE(underlay_addresses(ns2).find("198.51.100.3/24"), std::string::npos)
      << underlay_addresses(ns2);
  EXPECT_TRUE(test::wait_until([&] { return pings(ns2, "198.51.100.2"); }, 10s, 100ms));

  auto down = test::launch(state(), "down");
  ASSERT_EQ(down.code, 0) << down.output;
  EXPECT_FALSE(netns_listed("stratus-" + id)) << test::run("ip netns list").output;
  EXPECT_FALSE(link_listed("stul" + id)) << test::run("ip -o link show").output;
  EXPECT_FALSE(link_listed("stv" + id)) << test::run("ip -o link show").output;
  EXPECT_FALSE(link_listed("stpv" + id)) << test::run("ip -o link show").output;
  EXPECT_FALSE(link_listed("stp" + id)) << test::run("ip -o link show").output;
}

TEST_F(ClusterTest, UmlNodeRunsInAKernelOfItsOwnThatMakesVlansAndDownLeavesNothing) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root: a UML node's taps and bridges are made as root";
  if (::access(tools::uml_kernel, X_OK) != 0)
    GTEST_SKIP() << tools::uml_kernel
                 << " is missing: tools/setup.sh installs it (package user-mode-linux)";
  up(uml_nodes);
  const auto spec = tools::load_state({state()});
  const std::string id = spec.cluster_id;
  ASSERT_EQ(id.size(), 6u);

  // Its bus is on its underlay address, the other's on the root namespace's.
  auto cmp1 = runtime::load_node_config(state() / "nodes" / "cmp-1.toml");
  EXPECT_EQ(cmp1.bus.rfind("tcp://198.51.100.2:", 0), 0u) << cmp1.bus;
  EXPECT_EQ(cmp1.settings["network-agent"]["host_netns"], "");
  EXPECT_EQ(cmp1.settings["network-agent"]["tunnel_ip"], "198.51.100.2");
  EXPECT_EQ(cmp1.settings["network-agent"]["underlay_device"], "ul0");
  EXPECT_EQ(cmp1.settings["network-agent"]["bridge_mappings"], "physnet1:pv0");
  auto ctl1 = runtime::load_node_config(state() / "nodes" / "ctl-1.toml");
  EXPECT_EQ(ctl1.bus.rfind("tcp://198.51.100.1:", 0), 0u) << ctl1.bus;
  EXPECT_TRUE(link_listed("stut" + id));
  EXPECT_TRUE(link_listed("stpt" + id));
  EXPECT_FALSE(netns_listed("stratus-" + id)) << "a UML node needs no namespace here";

  tools::cluster_probe probe{spec};
  ASSERT_TRUE(probe.client().wait_for_peer("cmp-1", 5s));
  auto echo = runtime::call(probe.client(), "echo@cmp-1", msg::echo_request{"hi"}, 5s);
  ASSERT_TRUE(echo) << echo.error.message;
  EXPECT_EQ(echo->node, "cmp-1");
  EXPECT_TRUE(test::wait_until(
      [&] {
        auto d = runtime::call(probe.client(), "mmi@ctl-1", msg::describe_node_request{}, 1s);
        if (!d)
          return false;
        for (auto& p : d->peers)
          if (p.node == "cmp-1")
            return p.up;
        return false;
      },
      20s))
      << "ctl-1 never saw cmp-1:\n" << test::launch(state(), "logs -n 20").output;
  EXPECT_EQ(state_of(status_json(state()), "cmp-1"), "up");

  // The agent probed the UML kernel, which has 802.1Q and GRE.
  const auto log = state() / "logs" / "cmp-1.log";
  EXPECT_TRUE(
      test::wait_until([&] { return !line_with(log, "host kernel makes:").empty(); }, 20s, 200ms));
  const std::string kinds = line_with(log, "host kernel makes:");
  EXPECT_NE(kinds.find("vlan"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("gretap"), std::string::npos) << kinds;

  // Pulled plug: the kernel's helpers outlive it and hold its taps; the
  // next `up` clears them and boots it anew while ctl-1 runs on.
  const pid_t first = test::node_pid(state(), "cmp-1");
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(test::wait_until([&] { return !test::alive(first); }, 5s, 50ms));
  auto again = test::launch(state(), "up");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("ctl-1 already running"), std::string::npos) << again.output;
  EXPECT_TRUE(session_members(first).empty()) << "helpers of the killed kernel survived `up`";
  EXPECT_TRUE(test::wait_until(
      [&] {
        return static_cast<bool>(
            runtime::call(probe.client(), "echo@cmp-1", msg::echo_request{"again"}, 1s));
      },
      10s));
  EXPECT_EQ(state_of(status_json(state()), "ctl-1"), "up");

  const pid_t kernel = test::node_pid(state(), "cmp-1");
  ASSERT_GT(kernel, 0);
  EXPECT_FALSE(session_members(kernel).empty());
  auto down = test::launch(state(), "down");
  ASSERT_EQ(down.code, 0) << down.output;
  EXPECT_FALSE(test::alive(kernel));
  EXPECT_TRUE(session_members(kernel).empty()) << "the UML kernel left processes behind";
  const std::string links = test::run("ip -o link show").output;
  for (std::string stem : {"stul", "stpv", "stut", "stpt"})
    EXPECT_FALSE(link_listed(stem + id)) << links;
  EXPECT_FALSE(netns_listed("stratus-" + id)) << test::run("ip netns list").output;
}

TEST(HostNamespacePlan, AsRootNetworkRolesGetNamespacesUnlessTheFileSaysOtherwise) {
  tools::cluster_spec c;
  c.nodes = {node_with("ctl-1", {"conductor", "echo"}), node_with("cmp-1", {"compute"}),
             node_with("cmp-2", {"echo", "network-agent"}), node_with("cmp-3", {"compute"}, "self"),
             node_with("lab-1", {"echo"}, "netns")};
  tools::plan_host_network(c, "/some/state", true);
  EXPECT_EQ(c.cluster_id, tools::make_cluster_id("/some/state"));
  ASSERT_EQ(c.cluster_id.size(), 6u);
  EXPECT_EQ(c.cluster_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  std::vector<int> indexes;
  for (auto& n : c.nodes)
    indexes.push_back(n.host_index);
  EXPECT_EQ(indexes, (std::vector<int>{0, 1, 2, 0, 3}));

  auto settings = tools::host_settings(c, *c.find("cmp-2"));
  EXPECT_EQ(settings["host_netns"], "/run/netns/stratus-" + c.cluster_id + "-cmp-2");
  EXPECT_EQ(settings["tunnel_ip"], "198.51.100.3");
  EXPECT_EQ(settings["underlay_device"], "ul0");
  EXPECT_TRUE(tools::host_settings(c, *c.find("cmp-3")).empty());
}

TEST(HostNamespacePlan, RecordedIdAndIndexesAreKeptAndNewNodesFillTheGaps) {
  tools::cluster_spec c;
  c.cluster_id = "abc123";
  c.nodes = {node_with("cmp-1", {"compute"}), node_with("cmp-2", {"compute"}),
             node_with("cmp-3", {"compute"})};
  c.nodes[1].host_index = 1; // recorded by an earlier `up`
  c.nodes[2].host_index = 3;
  tools::plan_host_network(c, "/some/state", true);
  EXPECT_EQ(c.cluster_id, "abc123");
  EXPECT_EQ(c.nodes[0].host_index, 2);
  EXPECT_EQ(c.nodes[1].host_index, 1);
  EXPECT_EQ(c.nodes[2].host_index, 3);
  EXPECT_EQ(tools::underlay_veth_name(c.cluster_id, 3), "stvabc1233");
  EXPECT_EQ(tools::underlay_bridge_name(c.cluster_id), "stulabc123");
}

TEST(HostNamespacePlan, WithoutRootNoNodeGetsANamespaceAndAskingForOneIsAClearError) {
  tools::cluster_spec c;
  c.nodes = {node_with("cmp-1", {"compute", "network-agent"})};
  c.nodes[0].host_index = 1;
  tools::plan_host_network(c, "/some/state", false);
  EXPECT_EQ(c.nodes[0].host_index, 0);
  EXPECT_TRUE(tools::host_settings(c, c.nodes[0]).empty());

  c.nodes = {node_with("cmp-1", {"echo"}, "netns")};
  try {
    tools::plan_host_network(c, "/some/state", false);
    ADD_FAILURE() << "host_kind = netns was accepted without root";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("needs root"), std::string::npos) << e.what();
  }
}

TEST(HostNamespacePlan, UmlNodesGetAnUnderlayAddressAndMoveEveryBusOntoTheUnderlay) {
  tools::cluster_spec c;
  c.nodes = {node_with("ctl-1", {"echo"}), node_with("cmp-1", {"network-agent"}, "uml"),
             node_with("cmp-2", {"compute"}), node_with("ext-1", {"echo"})};
  c.nodes[3].host = "192.0.2.7"; // the user's own address stays theirs
  tools::plan_host_network(c, "/some/state", true);
  EXPECT_EQ(c.nodes[1].host_index, 1);
  EXPECT_EQ(c.nodes[1].bus_ip(), "198.51.100.2");
  EXPECT_EQ(c.nodes[0].bus_ip(), "198.51.100.1");
  EXPECT_EQ(c.nodes[2].bus_ip(), "198.51.100.1");
  EXPECT_EQ(c.nodes[3].bus_ip(), "192.0.2.7");
  EXPECT_EQ(c.nodes[0].host, "127.0.0.1") << "the file's host is kept";

  auto settings = tools::host_settings(c, c.nodes[1]);
  EXPECT_EQ(settings["host_netns"], "") << "the UML kernel is its own host";
  EXPECT_EQ(settings["tunnel_ip"], "198.51.100.2");
  EXPECT_EQ(tools::underlay_tap_name("abc123", 4), "stutabc1234");
  EXPECT_EQ(tools::provider_tap_name("abc123", 4), "stptabc1234");
  EXPECT_EQ(tools::provider_veth_name("abc123", 4), "stpabc1234");
  EXPECT_EQ(tools::provider_bridge_name("abc123"), "stpvabc123");

  // Without a UML node every bus stays where the file puts it.
  c.nodes[1].host_kind = "netns";
  tools::plan_host_network(c, "/some/state", true);
  for (auto& n : c.nodes)
    EXPECT_EQ(n.bus_ip(), n.host) << n.name;

  c.nodes[1].host_kind = "uml";
  try {
    tools::plan_host_network(c, "/some/state", false);
    ADD_FAILURE() << "host_kind = uml was accepted without root";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("needs root"), std::string::npos) << e.what();
  }
}

TEST(HostNamespacePlan, NetworkAgentsGetTheProviderInterfaceUnlessTheFileNamesOne) {
  test::temp_dir dir;
  tools::cluster_spec c;
  c.nodes = {node_with("cmp-1", {"network-agent"}), node_with("cmp-2", {"network-agent"}, "self")};
  tools::plan_host_network(c, dir.path(), true);
  auto agent_settings = [&](const tools::cluster_spec& spec, const std::string& node) {
    const auto file = dir.path() / (node + ".toml");
    tools::write_node_config(spec, *spec.find(node), dir.path() / node, file);
    return runtime::load_node_config(file).settings["network-agent"];
  };
  EXPECT_EQ(agent_settings(c, "cmp-1")["bridge_mappings"], "physnet1:pv0");
  EXPECT_EQ(agent_settings(c, "cmp-2").count("bridge_mappings"), 0u)
      << "a node in the machine's own namespace has no pv0";
  c.role_settings["network-agent"]["bridge_mappings"] = "physnet1:eth1,physnet2:eth2";
  EXPECT_EQ(agent_settings(c, "cmp-1")["bridge_mappings"], "physnet1:eth1,physnet2:eth2");
}

TEST(HostNamespacePlan, ClusterFileTakesEveryHostKindAndRefusesOthers) {
  test::temp_dir dir;
  auto load_error = [&](const std::string& text) {
    try {
      tools::load_cluster(test::write_cluster_file(dir.path(), text));
    } catch (const std::runtime_error& e) {
      return std::string{e.what()};
    }
    return std::string{"accepted"};
  };
  EXPECT_EQ(load_error("[[node]]\nname = \"cmp-1\"\nhost_kind = \"uml\"\n"), "accepted");
  EXPECT_NE(
      load_error("[[node]]\nname = \"cmp-1\"\nhost_kind = \"vm\"\n").find("host_kind must be"),
      std::string::npos);
  // `host` is the bus address: a kind written there is pointed to host_kind.
  EXPECT_NE(load_error("[[node]]\nname = \"cmp-1\"\nhost = \"uml\"\n").find("host_kind"),
            std::string::npos);
  EXPECT_EQ(load_error("[[node]]\nname = \"cmp-1\"\nhost_kind = \"self\"\n"), "accepted");
}
