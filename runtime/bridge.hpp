#pragma once
// The bridge: the CAF side of the transport. It owns every request in flight
// between this node and others (correlation ids, deadlines, the peer each
// one waits on), delivers inbound requests to local roles and sends their
// replies back, deduplicates retried non-idempotent requests, and answers
// the reserved management namespace ("mmi@<node>").

#include <functional>
#include <string>
#include <string_view>

#include <caf/fwd.hpp>

#include "messages/cluster.hpp"

namespace stratus::runtime {

class directory;
class transport;

struct bridge_deps {
  std::string node;
  std::string client_id;  // unique per process: stamps non-idempotent requests
  transport* tp = nullptr;
  directory* dir = nullptr;
  /// Builds the answer to mmi.describe_node_request.
  std::function<msg::describe_node_reply(bool include_actors)> describe;
};

caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps);

/// A proxy for a remote "role@node": forwards every (context, message) it
/// receives through the bridge and answers with the remote reply.
/// One-way notices skip the bridge: the proxy queues them to the transport.
caf::actor spawn_remote_proxy(caf::actor_system& sys, caf::actor bridge, transport& tp,
                              std::string source, std::string role, std::string node);

/// Called on the transport thread with a frame from the ROUTER. Notices are
/// delivered from here to their local target; requests go to the bridge.
void bridge_inbound_request(const caf::actor& bridge, directory& dir, const std::string& route,
                            std::string_view body);
/// Called on the transport thread with a frame from a peer's DEALER.
void bridge_inbound_reply(const caf::actor& bridge, const std::string& peer,
                          std::string_view body);
/// Called on the transport thread when a peer goes up or down.
void bridge_peer_state(const caf::actor& bridge, const std::string& peer, bool up);

} // namespace stratus::runtime
