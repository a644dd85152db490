// Whole clusters of separate processes, started and stopped with the real
// launcher and observed with the real introspection tool.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "messages/cluster.hpp"
#include "messages/storage.hpp"
#include "runtime/log.hpp"
#include "runtime/transport.hpp"
#include "tests/support/launcher.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"
#include "tools/cluster/cluster_probe.hpp"

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
