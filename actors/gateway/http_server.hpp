#pragma once
// The gateway's HTTP/1.1 server: Boost.Beast on threads of its own,
// keep-alive, never blocking. Everything Beast stays in http_server.cpp:
// the rest of the gateway sees plain requests and a responder it may call
// once, from any thread.
//
// Bodies are read whole, up to a limit (a larger one is answered by the
// handler, with `body_too_large` set), unless the stream router takes the
// request: then its body_sink receives the body piece by piece and asks for
// each next piece itself, so an upload of any size costs a fixed buffer.
// Responses may name a file to send instead of a body, read piece by piece.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/api.hpp"

namespace stratus::gateway {

struct http_request {
  std::string method;        // "GET", "HEAD", … as sent, even if unknown
  std::string path;          // percent-encoded, without the query
  msg::named_values query;   // decoded, in order; names may repeat
  msg::named_values headers; // lower-case names
  std::string body;
  bool body_too_large = false;  // the body passed the limit and was not read
};

/// A response body produced piece by piece elsewhere (data on another
/// node); its length is known up front.
class body_source {
public:
  virtual ~body_source() = default;
  /// Asks for the next piece of at most `max_bytes`; `deliver` (callable
  /// once, from any thread) gets it, or `failed` to cut the response short.
  virtual void next(uint64_t max_bytes,
                    std::function<void(std::string piece, bool failed)> deliver) = 0;
};

struct http_response {
  uint16_t status = 200;
  msg::named_values headers;
  std::string body;
  std::string content_type = "application/json";
  std::string file;          // when set: the body is this file's bytes…
  uint64_t file_offset = 0;  // …from this offset…
  std::optional<uint64_t> file_length; // …this many of them (all by default)
  std::shared_ptr<body_source> source; // when set: the body is `source_length` bytes from it
  uint64_t source_length = 0;
};

/// Sends the response; call it exactly once, from any thread.
using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request&&, http_responder)>;

/// Receives a streamed request body. Calls come one at a time, on the
/// server's threads; none may block.
class body_sink {
public:
  virtual ~body_sink() = default;
  /// Called once before any data: call `more` to start the body flowing, or
  /// answer through `respond` (the connection closes, the body unread).
  virtual void on_start(std::function<void()> more, http_responder respond) = 0;
  /// A piece of the body; call `more` (from any thread) for the next one.
  virtual void on_data(std::string_view piece, std::function<void()> more) = 0;
  /// The whole body arrived: answer through `respond`.
  virtual void on_end(http_responder respond) = 0;
  /// The client went away or broke the framing; no answer is possible.
  virtual void on_abort() = 0;
};

/// Decides, once the headers are in, whether a request's body streams:
/// returns the sink, or nullptr to have the body read whole.
using http_stream_router = std::function<std::shared_ptr<body_sink>(const http_request& head)>;

struct http_server_options {
  std::string address = "127.0.0.1";
  uint16_t port = 0;              // 0: any free port
  std::size_t threads = 1;
  uint64_t max_body_bytes = 1u << 20;   // bodies read whole; beyond: body_too_large
  std::size_t max_header_bytes = 64u << 10;
  std::size_t stream_piece_bytes = 1u << 20;
};

class http_server {
public:
  /// Listens and serves until destroyed; throws std::runtime_error if it
  /// cannot listen.
  http_server(const http_server_options& options, http_handler handler,
              http_stream_router router = nullptr);
  ~http_server();

  /// The port it listens on (the one chosen when asked for port 0).
  uint16_t port() const;

  struct state;  // the implementation's, shared with its connections

private:
  std::shared_ptr<state> state_;
};

/// The reason phrase of a status code ("Not Found"), "" if unknown.
const char* status_reason(uint16_t status);

/// A query string's parameters in order, decoded; a name without '=' has an
/// empty value ("?nocatalog").
msg::named_values parse_query(const std::string& query);

} // namespace stratus::gateway
