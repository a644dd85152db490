#pragma once
// A node: one CAF actor system per process with its transport, bridge,
// directory and supervised roles. stratus-node runs one; tools and tests
// embed one without roles (a client node) to talk to a cluster.

#include <chrono>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "runtime/node_config.hpp"

namespace stratus::runtime {

class directory;
class transport;

/// Exit codes of stratus-node.
constexpr int exit_clean = 0;
constexpr int exit_config = 2;
constexpr int exit_escalated = 3;  // the supervisor gave up on a role
constexpr int exit_start_failed = 4;

class node {
public:
  node(node_config cfg, const role_registry& registry);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Binds the bus, connects peers and starts every role. Throws
  /// std::runtime_error with a clear message on failure.
  void start();
  /// Blocks until stop() or an escalation; returns the exit code.
  int wait();
  /// Asks the node to stop (any thread); wait() then returns exit_clean.
  void stop();

  /// Waits until `peer` answers heartbeats; false after `timeout`.
  bool wait_for_peer(const std::string& peer, std::chrono::milliseconds timeout);

  caf::actor_system& system();
  directory& dir();
  /// What roles share with co-located roles (e.g. the conductor's "kv").
  resources& shared();
  transport& bus();
  const node_config& config() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace stratus::runtime
