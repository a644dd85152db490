#pragma once
// Messages of the cluster itself: the built-in echo role that tests and
// benchmarks use, and the reserved management namespace ("mmi.", after
// Majordomo's) that the introspection tool speaks.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

struct echo_reply {
  STRATUS_MESSAGE("cluster.echo_reply", 1, 1) // 1: initial
  std::string text;
  std::string node;  // which node answered
  STRATUS_FIELDS(text, node)
};

/// Answered with the same text by the echo role.
struct echo_request {
  STRATUS_MESSAGE("cluster.echo_request", 1, 1) // 1: initial
  using reply_type = echo_reply;
  std::string text;
  STRATUS_FIELDS(text)
};

/// One-way message: counted by the echo role, never answered.
struct echo_notice {
  STRATUS_MESSAGE("cluster.echo_notice", 1, 1) // 1: initial
  static constexpr bool notice = true;
  uint64_t sequence = 0;
  std::string text;
  STRATUS_FIELDS(sequence, text)
};

struct count_reply {
  STRATUS_MESSAGE("cluster.count_reply", 1, 1) // 1: initial
  uint64_t total = 0;
  uint64_t notices = 0;  // echo_notice messages received so far
  STRATUS_FIELDS(total, notices)
};

/// Adds `amount` to the echo role's counter: the model non-idempotent request.
struct count_request {
  STRATUS_MESSAGE("cluster.count_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = count_reply;
  uint64_t amount = 0;
  STRATUS_FIELDS(amount)
};

/// Makes the receiving echo role fail, so that supervision can be observed.
struct crash_request {
  STRATUS_MESSAGE("cluster.crash_request", 1, 1) // 1: initial
  using reply_type = echo_reply;
  std::string reason;
  STRATUS_FIELDS(reason)
};

// -- management namespace ---------------------------------------------------

struct peer_status {
  static constexpr const char* type_name = "mmi.peer_status";
  std::string node;
  std::string endpoint;
  bool up = false;
  int64_t silent_ms = -1;  // since the last frame from it; -1 = never heard
  STRATUS_FIELDS(node, endpoint, up, silent_ms)
};

struct actor_status {
  static constexpr const char* type_name = "mmi.actor_status";
  std::string name;  // "role@node"
  bool running = false;
  uint64_t mailbox = 0;
  uint64_t handled = 0;
  uint64_t restarts = 0;
  std::string last_error;
  STRATUS_FIELDS(name, running, mailbox, handled, restarts, last_error)
};

struct describe_node_reply {
  STRATUS_MESSAGE("mmi.describe_node_reply", 1, 1) // 1: initial
  std::string node;
  std::string incarnation;
  int64_t pid = 0;
  int64_t uptime_ms = 0;
  std::vector<std::string> roles;
  std::vector<peer_status> peers;
  std::vector<actor_status> actors;
  STRATUS_FIELDS(node, incarnation, pid, uptime_ms, roles, peers, actors)
};

/// Answered by the node itself (destination "mmi@<node>"), never by a role.
struct describe_node_request {
  STRATUS_MESSAGE("mmi.describe_node_request", 1, 1) // 1: initial
  using reply_type = describe_node_reply;
  bool include_actors = true;
  STRATUS_FIELDS(include_actors)
};

} // namespace stratus::msg
