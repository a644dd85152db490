#pragma once
// The gateway's HTTP/1.1 server (RESTinio on threads of its own, keep-alive,
// never blocking). Everything RESTinio stays in http_server.cpp: the rest of
// the gateway sees plain requests and a responder it may call once, from
// any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "messages/api.hpp"

namespace stratus::gateway {

struct http_request {
  std::string method;        // "GET", "HEAD", …
  std::string path;          // percent-encoded, without the query
  msg::named_values query;   // decoded, in order; names may repeat
  msg::named_values headers; // lower-case names
  std::string body;
};

struct http_response {
  uint16_t status = 200;
  msg::named_values headers;
  std::string body;
  std::string content_type = "application/json";
};

/// Sends the response; call it exactly once, from any thread.
using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request&&, http_responder)>;

struct http_server_options {
  std::string address = "127.0.0.1";
  uint16_t port = 0; // 0: any free port
  std::size_t threads = 1;
  uint64_t max_body_bytes = 16u << 20; // beyond it the connection is closed
};

class http_server {
public:
  /// Listens and serves until destroyed; throws std::runtime_error if it
  /// cannot listen.
  http_server(const http_server_options& options, http_handler handler);
  ~http_server();

  /// The port it listens on (the one chosen when asked for port 0).
  uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The reason phrase of a status code ("Not Found"), "" if unknown.
const char* status_reason(uint16_t status);

/// A query string's parameters in order, decoded; a name without '=' has an
/// empty value ("?nocatalog").
msg::named_values parse_query(const std::string& query);

/// `text` with %XX sequences decoded ('+' stays '+': paths, not forms).
std::string percent_decode(const std::string& text);

} // namespace stratus::gateway
