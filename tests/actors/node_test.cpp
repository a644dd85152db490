// Two nodes in one process, talking over real ZeroMQ on loopback: request
// and reply, location transparency, retries, dead peers and supervision.

#include <future>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "messages/cluster.hpp"
#include "messages/wire/payload.hpp"
#include "runtime/call.hpp"
#include "runtime/log.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_node.hpp"
#include "tests/support/wait.hpp"

using namespace stratus;
using namespace std::chrono_literals;

namespace {

/// The context a client that retries would send: fixed client id and sequence.
msg::context retry_context(uint64_t sequence) {
  auto ctx = runtime::context_with_deadline(2s);
  ctx.client_id = "retrying-client";
  ctx.sequence = sequence;
  return ctx;
}

class NodeTest : public test::server_and_client {
protected:
  msg::describe_node_reply describe() {
    auto d = runtime::call(*client, "mmi@srv", msg::describe_node_request{}, 2s);
    EXPECT_TRUE(d) << d.error.message;
    return d ? *d : msg::describe_node_reply{};
  }
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
  auto first = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, retry_context(1));
  auto retry = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, retry_context(1));
  ASSERT_TRUE(first && retry);
  EXPECT_EQ(first->total, 5u);
  EXPECT_EQ(retry->total, 5u);  // answered from the cache, not added again
  auto next = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, retry_context(2));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->total, 10u);
}

TEST_F(NodeTest, RefusedNonIdempotentRequestIsAnsweredAndNotRemembered) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  auto refused = runtime::call(*client, "nope@srv", msg::count_request{5}, 2s, retry_context(1));
  EXPECT_EQ(refused.error.code, msg::errc::not_found);
  auto retried = runtime::call(*client, "echo@srv", msg::count_request{5}, 2s, retry_context(1));
  ASSERT_TRUE(retried) << retried.error.message;
  EXPECT_EQ(retried->total, 5u);
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

TEST_F(NodeTest, CurveEncryptedNodesTalkAndStrangersCannot) {
  auto [server_public, server_secret] = runtime::make_curve_keypair();
  auto [trusted_public, trusted_secret] = runtime::make_curve_keypair();
  auto cfg = test::node_config_for("srv", {"echo"}, dir.path());
  cfg.curve_public_key = server_public;
  cfg.curve_secret_key = server_secret;
  cfg.curve_clients = {trusted_public};
  server = test::start_node(cfg, roles);

  auto client_of_server = [&](const std::string& name, const std::string& public_key,
                              const std::string& secret_key, const std::string& server_key) {
    auto c = test::node_config_for(name, {}, {});
    c.curve_public_key = public_key;
    c.curve_secret_key = secret_key;
    c.peers.push_back({"srv", server->bus().bound_endpoint(), server_key});
    return test::start_node(c, roles);
  };

  auto trusted = client_of_server("trusted", trusted_public, trusted_secret, server_public);
  ASSERT_TRUE(trusted->wait_for_peer("srv", 5s));
  auto r = runtime::call(*trusted, "echo@srv", msg::echo_request{"secret"}, 2s);
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_EQ(r->text, "secret");

  // Knowing the server's key is not enough: the client key must be listed.
  auto [impostor_public, impostor_secret] = runtime::make_curve_keypair();
  auto impostor = client_of_server("impostor", impostor_public, impostor_secret, server_public);
  EXPECT_FALSE(impostor->wait_for_peer("srv", 1s));

  // Without the server's key there is no handshake at all.
  auto stranger = client_of_server("stranger", "", "", "");
  EXPECT_FALSE(stranger->wait_for_peer("srv", 1s));
  EXPECT_EQ(runtime::call(*stranger, "echo@srv", msg::echo_request{"x"}, 1s).error.code,
            msg::errc::unavailable);
}

TEST_F(NodeTest, GarbageFramesAndUnknownTypesDoNotHurtTheNode) {
  start(test::node_config_for("srv", {"echo"}, dir.path()));
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 2000);
  raw.connect(server->bus().bound_endpoint());
  auto frame = [](const msg::bytes& body) {
    std::string f = {'S', 'T', static_cast<char>(wire::protocol_version), 'M'};
    f.append(body.begin(), body.end());
    return f;
  };
  // garbage behind a valid header, a frame without our header, an empty frame
  raw.send(zmq::buffer(frame({'\xc1', '\x00'})), zmq::send_flags::none);
  raw.send(zmq::str_buffer("GET / HTTP/1.1\r\n\r\n"), zmq::send_flags::none);
  raw.send(zmq::message_t{}, zmq::send_flags::none);
  // a well-formed envelope of a type nobody knows: a typed error comes back
  auto env = wire::make_envelope(wire::kind::request, msg::echo_request{"x"});
  env.type = "bogus.thing";
  env.correlation_id = 77;
  env.destination = "echo@srv";
  raw.send(zmq::buffer(frame(wire::encode(env))), zmq::send_flags::none);
  zmq::message_t reply;
  ASSERT_TRUE(raw.recv(reply));
  std::string_view body{static_cast<const char*>(reply.data()) + 4, reply.size() - 4};
  wire::envelope answer;
  ASSERT_EQ(wire::decode({body.data(), body.size()}, answer).code, msg::errc::none);
  EXPECT_EQ(answer.correlation_id, 77u);
  EXPECT_EQ(answer.kind, static_cast<uint8_t>(wire::kind::error_reply));
  msg::error err;
  ASSERT_EQ(wire::open_envelope(answer, err).code, msg::errc::none);
  EXPECT_EQ(err.code, msg::errc::invalid);
  EXPECT_NE(err.message.find("unknown message type bogus.thing"), std::string::npos);
  // an incompatible version of a known type is refused the same way
  auto future = wire::make_envelope(wire::kind::request, msg::echo_request{"x"});
  future.type_version = 9;
  future.type_compat = 9;
  future.correlation_id = 78;
  future.destination = "echo@srv";
  raw.send(zmq::buffer(frame(wire::encode(future))), zmq::send_flags::none);
  ASSERT_TRUE(raw.recv(reply));
  body = {static_cast<const char*>(reply.data()) + 4, reply.size() - 4};
  ASSERT_EQ(wire::decode({body.data(), body.size()}, answer).code, msg::errc::none);
  ASSERT_EQ(wire::open_envelope(answer, err).code, msg::errc::none);
  EXPECT_NE(err.message.find("needs a reader of version 9"), std::string::npos) << err.message;
  // a frame over the size limit is refused by the socket itself
  std::string huge(wire::limits{}.max_frame_bytes + 1024, 'x');
  huge.replace(0, 4, frame({}));
  raw.send(zmq::buffer(huge), zmq::send_flags::none);
  // and the node still serves everyone else
  auto r = runtime::call(*client, "echo@srv", msg::echo_request{"still here"}, 2s);
  ASSERT_TRUE(r);
}
