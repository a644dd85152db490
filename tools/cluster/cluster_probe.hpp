#pragma once
// A client node (no roles, no bus of its own) connected to every node of a
// cluster, for the launcher and the introspection tool. It speaks only the
// management namespace.

#include <chrono>
#include <memory>
#include <string>

#include "messages/cluster.hpp"
#include "runtime/call.hpp"
#include "tools/cluster/cluster_file.hpp"

namespace stratus::tools {

class cluster_probe {
public:
  explicit cluster_probe(const cluster_spec& c);
  ~cluster_probe();

  /// Asks `node` to describe itself; unavailable if it does not answer
  /// heartbeats within `timeout`.
  runtime::outcome<msg::describe_node_reply> describe(const std::string& node,
                                                      std::chrono::milliseconds timeout);

  runtime::node& client() { return *node_; }

private:
  runtime::role_registry no_roles_;
  std::unique_ptr<runtime::node> node_;
};

} // namespace stratus::tools
