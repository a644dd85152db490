#pragma once
// How the REST gateway hands an API operation to the role that implements
// it, in the manner of oslo.messaging's RPC: an operation name and its
// arguments (path parameters, query, headers, JSON body). The gateway has
// already authenticated the caller (msg::context::caller) and enforced the
// operation's policy; the role does the work and answers with the HTTP
// status and the JSON body of its API.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

/// One name/value pair (a path parameter, a query parameter, a header).
struct named_value {
  static constexpr const char* type_name = "api.named_value";
  std::string name;
  std::string value;
  STRATUS_FIELDS(name, value)
};

using named_values = std::vector<named_value>;

/// The first value named `name`, or nullptr.
inline const std::string* find_value(const named_values& xs, const std::string& name) {
  for (auto& x : xs)
    if (x.name == name)
      return &x.value;
  return nullptr;
}

struct api_call_reply {
  STRATUS_MESSAGE("api.call_reply", 1, 1) // 1: initial
  uint16_t status = 200;
  std::string body;     // JSON, or empty
  named_values headers; // extra response headers
  STRATUS_FIELDS(status, body, headers)
};

/// One API operation ("identity.create_project"), routed by the gateway.
struct api_call_request {
  STRATUS_MESSAGE("api.call_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = api_call_reply;
  std::string operation;
  named_values path;    // parameters named in the route, e.g. project_id
  named_values query;   // in request order; names may repeat
  named_values headers; // lower-case names; never the caller's token
  std::string body;     // JSON, or empty
  std::string base_url; // scheme://host:port as the client reached the gateway
  STRATUS_FIELDS(operation, path, query, headers, body, base_url)
};

} // namespace stratus::msg

namespace stratus::msg {

// -- Operations whose request body streams (an image upload) ------------------
// The gateway opens the stream with the call itself (policy already checked),
// sends the body in pieces, one at a time, each acknowledged before the next
// is read from the client, then closes it and gets the call's reply. A
// stream the gateway abandons (client gone) is closed with `aborted`.

struct api_stream_open_reply {
  STRATUS_MESSAGE("api.stream_open_reply", 1, 1) // 1: initial
  std::string stream_id;
  STRATUS_FIELDS(stream_id)
};

struct api_stream_open_request {
  STRATUS_MESSAGE("api.stream_open_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = api_stream_open_reply;
  api_call_request call; // headers include content-length when the client sent one
  STRATUS_FIELDS(call)
};

struct api_stream_piece_reply {
  STRATUS_MESSAGE("api.stream_piece_reply", 1, 1) // 1: initial
  uint64_t received = 0; // bytes of the body so far
  STRATUS_FIELDS(received)
};

struct api_stream_piece_request {
  STRATUS_MESSAGE("api.stream_piece_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = api_stream_piece_reply;
  std::string stream_id;
  std::vector<char> data;
  STRATUS_FIELDS(stream_id, data)
};

/// Ends a stream: the body is complete (answered with the call's reply), or
/// `aborted` (whatever arrived is discarded).
struct api_stream_close_request {
  STRATUS_MESSAGE("api.stream_close_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = api_call_reply;
  std::string stream_id;
  bool aborted = false;
  STRATUS_FIELDS(stream_id, aborted)
};

} // namespace stratus::msg
