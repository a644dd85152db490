// Two nodes in one process, talking over real ZeroMQ on loopback: request
// and reply, location transparency, retries, dead peers and supervision.

#include <future>

#include <gtest/gtest.h>

#include "messages/cluster.hpp"
#include "runtime/call.hpp"
#include "runtime/log.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_node.hpp"
#include "tests/support/wait.hpp"

using namespace stratus;
using namespace std::chrono_literals;

namespace {

class NodeTest : public ::testing::Test {
protected:
  void SetUp() override { runtime::init_logging("test", "warn"); }

  void start(runtime::node_config cfg) {
    server = test::start_node(std::move(cfg), roles);
    client = test::start_client(*server, roles);
  }

  msg::describe_node_reply describe() {
    auto d = runtime::call(*client, "mmi@srv", msg::describe_node_request{}, 2s);
    EXPECT_TRUE(d) << d.error.message;
    return d ? *d : msg::describe_node_reply{};
  }

  test::temp_dir dir;
  runtime::role_registry roles = actors::all_roles();
  std::unique_ptr<runtime::node> server;
  std::unique_ptr<runtime::node> client;
};

} // namespace

TEST_F(NodeTest, RequestAndReplyCrossNodes) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto r = runtime::call(*client, "echo@srv", msg::echo_request{"ping"}, 2s);
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_EQ(r->text, "ping");
  EXPECT_EQ(r->node, "srv");
}

TEST_F(NodeTest, LocalAndRemoteHandlesAnswerAlike) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto local = runtime::call(*server, "echo@srv", msg::echo_request{"x"}, 2s);
  auto bare = runtime::call(*server, "echo", msg::echo_request{"x"}, 2s);
  auto remote = runtime::call(*client, "echo@srv", msg::echo_request{"x"}, 2s);
  ASSERT_TRUE(local && bare && remote);
  EXPECT_EQ(local->node, remote->node);
  EXPECT_EQ(bare->text, remote->text);
}

TEST_F(NodeTest, UnknownRoleIsNotFound) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto r = runtime::call(*client, "nope@srv", msg::echo_request{"x"}, 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::not_found);
  EXPECT_NE(r.error.message.find("not hosted"), std::string::npos) << r.error.message;
}

TEST_F(NodeTest, RetriedNonIdempotentRequestIsDoneOnce) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto ctx = runtime::context_with_deadline(2s);
  ctx.client_id = "retrying-client";
  ctx.sequence = 1;
  auto first = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, ctx);
  auto retry = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, ctx);
  ASSERT_TRUE(first && retry);
  EXPECT_EQ(first->total, 5u);
  EXPECT_EQ(retry->total, 5u);  // answered from the cache, not added again
  ctx.sequence = 2;
  auto next = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, ctx);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->total, 10u);
}

TEST_F(NodeTest, NoticesArriveInOrderWithoutReplies) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto proxy = client->dir().resolve("echo@srv");
  for (uint64_t i = 0; i < 1000; ++i)
    caf::anon_send(proxy, msg::context{}, msg::echo_notice{i, "n"});
  EXPECT_TRUE(test::wait_until(
    [&] {
      auto r = runtime::call(*client, "echo@srv", msg::count_request{0}, 1s);
      return r && r->notices == 1000;
    },
    5s));
}

TEST_F(NodeTest, RequestToADeadNodeFailsFastWithUnavailable) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  ASSERT_TRUE(runtime::call(*client, "echo@srv", msg::echo_request{"x"}, 2s));
  server.reset();  // the node is gone
  const auto t0 = std::chrono::steady_clock::now();
  auto r = runtime::call(*client, "echo@srv", msg::echo_request{"x"}, 10s);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::unavailable) << r.error.message;
  EXPECT_LT(waited, 2s);  // 3 heartbeats of 100 ms, not the 10 s deadline
  // ... and once known down, immediately:
  auto again = runtime::call(*client, "echo@srv", msg::echo_request{"x"}, 10s);
  EXPECT_EQ(again.error.code, msg::errc::unavailable);
}

TEST_F(NodeTest, ExpiredDeadlineIsRefused) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto ctx = runtime::context_with_deadline(-1s);
  auto r = runtime::call(*client, "echo@srv", msg::echo_request{"x"}, 2s, ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::timeout);
}

TEST_F(NodeTest, SupervisorRestartsACrashedRole) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto crash = runtime::call(*client, "echo@srv", msg::crash_request{"test"}, 2s);
  EXPECT_FALSE(crash);
  EXPECT_TRUE(test::wait_until(
    [&] { return static_cast<bool>(runtime::call(*client, "echo@srv", msg::echo_request{"back"}, 500ms)); },
    5s));
  auto d = describe();
  ASSERT_EQ(d.actors.size(), 1u);
  EXPECT_TRUE(d.actors[0].running);
  EXPECT_EQ(d.actors[0].restarts, 1u);
  EXPECT_NE(d.actors[0].last_error.find("crash requested: test"), std::string::npos)
    << d.actors[0].last_error;
}

TEST_F(NodeTest, PastTheIntensityLimitTheNodeExitsNonZero) {
  auto cfg = test::node_config_for("srv", {"echo"}, dir.path());
  cfg.supervision.max_restarts = 2;
  cfg.supervision.window = 30s;
  start(cfg);
  auto exit_code = std::async(std::launch::async, [&] { return server->wait(); });
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(test::wait_until(
      [&] { return static_cast<bool>(runtime::call(*client, "echo@srv", msg::echo_request{"up?"}, 500ms)); },
      5s))
      << "echo did not come back after crash " << i;
    runtime::call(*client, "echo@srv", msg::crash_request{"again"}, 1s);
  }
  ASSERT_EQ(exit_code.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(exit_code.get(), runtime::exit_escalated);
}
