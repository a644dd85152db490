#pragma once
// The transport: one thread owning every ZeroMQ socket of a node. A ROUTER
// bound on the node's bus address takes requests in (and sends their replies
// back); one DEALER per peer sends requests out (and takes replies in).
// Peers are pinged every heartbeat interval; a peer silent for `liveness`
// intervals is down (the Paranoid Pirate pattern). Knows nothing of CAF.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messages/storage.hpp"

namespace stratus::runtime {

struct transport_options {
  std::string node;                 // our name; also the DEALERs' routing id prefix
  std::string bind_endpoint;        // e.g. "tcp://127.0.0.1:7301"; empty = client only
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 3;                 // missed heartbeats before a peer is down
  std::string curve_public_key;     // Z85; empty = no encryption
  std::string curve_secret_key;
  /// With CURVE on: the only client public keys (Z85) the ROUTER accepts.
  std::vector<std::string> curve_allowed_clients;
};

struct peer_endpoint {
  std::string node;
  std::string endpoint;
  std::string curve_public_key;     // the peer's server key, when CURVE is on
};

struct peer_info {
  std::string node;
  std::string endpoint;
  bool up = false;
  int64_t silent_ms = -1;           // -1 = never heard from
};

struct transport_stats {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t dropped = 0;             // bad header or unsendable
};

class transport {
public:
  /// Called on the transport thread; must not block.
  struct handlers {
    /// A message frame arrived on the ROUTER; answer with reply(route, …).
    std::function<void(const std::string& route, std::string_view body)> on_request;
    /// A message frame arrived from a peer on its DEALER.
    std::function<void(const std::string& peer, std::string_view body)> on_reply;
    /// A peer came up or went down.
    std::function<void(const std::string& peer, bool up)> on_peer_state;
  };

  transport(transport_options opts, handlers h);
  ~transport();
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  /// Binds, connects and starts the thread. Throws std::runtime_error with a
  /// clear text when the bus address cannot be bound.
  void start();
  /// Stops the thread and closes every socket (pending frames get a short linger).
  void stop();

  /// The address actually bound (port 0 resolved).
  std::string bound_endpoint() const;

  /// Adds a peer; safe from any thread. Re-adding replaces its endpoint.
  void add_peer(peer_endpoint peer);
  /// Queues a frame to a peer; safe from any thread.
  void send(const std::string& peer, msg::bytes body);
  /// Queues a frame back to whoever sent a request on the ROUTER.
  void reply(const std::string& route, msg::bytes body);

  bool is_up(const std::string& peer) const;
  /// Up, or not heard from yet in the first liveness period after start
  /// (not known to be down): whether a request to it is worth sending.
  bool may_reach(const std::string& peer) const;
  std::vector<peer_info> peers() const;
  transport_stats stats() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Generates a CURVE key pair (Z85 public, Z85 secret).
std::pair<std::string, std::string> make_curve_keypair();

} // namespace stratus::runtime
