#pragma once
// The console proxy: what nova-novncproxy and nova-serialproxy are. It
// serves noVNC's static files, takes a browser's websocket (RFC 6455)
// carrying a console token, asks whether the token is good and where its
// console is, and relays bytes between the websocket and the guest's VNC or
// serial TCP endpoint.
//
// Plain sockets and threads of its own (one acceptor, one per connection),
// so it depends on nothing but the token check it is given.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace stratus::console {

/// Where a guest's console listens (the hypervisor's host and port).
struct console_endpoint {
  std::string host;
  uint16_t port = 0;
};

/// Decides about a websocket's token (from the URL's query: `token=...`,
/// also when noVNC nests it as `path=%3Ftoken%3D...`, or a `token` cookie).
/// Called on the proxy's threads; may block (it asks an actor). nullopt = refused.
using token_check = std::function<std::optional<console_endpoint>(const std::string& token)>;

class websocket_proxy {
public:
  /// Listens on `host`:`port` (0 = any free port); `static_dir` ("" = none)
  /// holds files served for plain GETs (noVNC's vnc.html, vnc_lite.html, core/…).
  /// Throws std::runtime_error if it cannot listen.
  websocket_proxy(std::string host, uint16_t port, std::string static_dir, token_check check);
  ~websocket_proxy(); // stops listening, closes every relay, joins its threads
  websocket_proxy(const websocket_proxy&) = delete;
  websocket_proxy& operator=(const websocket_proxy&) = delete;
  uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace stratus::console
