#pragma once
// In-process nodes for tests: a node hosting roles on an ephemeral port and
// a client node connected to it, each with its own CAF actor system.

#include <memory>
#include <string>
#include <vector>

#include "actors/registry.hpp"
#include "runtime/node.hpp"
#include "runtime/transport.hpp"

namespace stratus::test {

inline runtime::node_config node_config_for(const std::string& name,
                                            std::vector<std::string> roles,
                                            const std::filesystem::path& state_dir) {
  runtime::node_config cfg;
  cfg.name = name;
  cfg.bus = roles.empty() ? "" : "tcp://127.0.0.1:*";
  cfg.roles = std::move(roles);
  cfg.state_dir = state_dir;
  cfg.heartbeat = std::chrono::milliseconds{100};
  cfg.liveness = 3;
  cfg.supervision.backoff_initial = std::chrono::milliseconds{10};
  cfg.supervision.backoff_max = std::chrono::milliseconds{100};
  return cfg;
}

/// A started node; `registry` must outlive it.
inline std::unique_ptr<runtime::node> start_node(runtime::node_config cfg,
                                                 const runtime::role_registry& registry) {
  auto n = std::make_unique<runtime::node>(std::move(cfg), registry);
  n->start();
  return n;
}

/// A client node peered with `server` (ready once the server answers heartbeats).
inline std::unique_ptr<runtime::node> start_client(runtime::node& server,
                                                   const runtime::role_registry& registry,
                                                   const std::string& name = "client") {
  auto cfg = node_config_for(name, {}, {});
  cfg.peers.push_back({server.config().name, server.bus().bound_endpoint(), {}});
  auto n = start_node(cfg, registry);
  n->wait_for_peer(server.config().name, std::chrono::seconds{5});
  return n;
}

} // namespace stratus::test

#include <gtest/gtest.h>

#include "runtime/log.hpp"
#include "tests/support/temp_dir.hpp"

namespace stratus::test {

/// A server node hosting roles and a client node peered with it.
class server_and_client : public ::testing::Test {
protected:
  void SetUp() override { runtime::init_logging("test", "warn"); }

  /// (Re)starts the server with `cfg` and a fresh client for it.
  void start(runtime::node_config cfg) {
    client.reset();
    server.reset();
    server = start_node(std::move(cfg), roles);
    client = start_client(*server, roles);
  }

  temp_dir dir;
  runtime::role_registry roles = actors::all_roles();
  std::unique_ptr<runtime::node> server;
  std::unique_ptr<runtime::node> client;
};

} // namespace stratus::test
