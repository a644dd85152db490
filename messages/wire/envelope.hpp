#pragma once
// The wire envelope: what one node sends another for every message, and the
// codec that never trusts the bytes it is given.

#include <cstdint>
#include <span>
#include <string>

#include "messages/context.hpp"
#include "messages/error.hpp"
#include "messages/record.hpp"
#include "messages/storage.hpp"

namespace stratus::wire {

/// Bumped when the envelope itself changes incompatibly.
constexpr uint8_t protocol_version = 1;

enum class kind : uint8_t {
  request = 1,      // expects a reply with the same correlation id
  reply = 2,        // payload is the request's reply_type
  error_reply = 3,  // payload is msg::error
  notice = 4,       // one-way, never answered
};

struct envelope {
  static constexpr const char* type_name = "wire.envelope";
  uint8_t protocol = protocol_version;
  uint8_t kind = 0;               // wire::kind
  std::string type;               // the payload's type name, e.g. "cluster.echo_request"
  uint16_t type_version = 0;      // writer's version of that type
  uint16_t type_compat = 0;       // oldest reader version that can parse it
  uint64_t correlation_id = 0;
  std::string source;             // sending node
  std::string destination;        // "role@node"
  msg::context ctx;
  msg::bytes payload;             // the message, msgpack-encoded
  STRATUS_FIELDS(protocol, kind, type, type_version, type_compat, correlation_id,
                 source, destination, ctx, payload)
};

/// Bounds applied to everything that came from the network.
struct limits {
  std::size_t max_frame_bytes = 16u << 20;
  std::size_t max_array = 1u << 16;
  std::size_t max_map = 1u << 10;
  std::size_t max_str = 4u << 20;
  std::size_t max_bin = 16u << 20;
  std::size_t max_depth = 32;
};

/// Encodes an envelope.
msg::bytes encode(const envelope& env);

/// Decodes an envelope; on failure leaves `out` unspecified and returns an
/// `invalid` error naming the problem (truncated, trailing bytes, too big,
/// wrong shape, wrong protocol version). Never throws.
msg::error decode(std::span<const char> frame, envelope& out, const limits& lim = {});

/// Checks the version rule: a reader of (version, compat) accepts a message
/// written as (type_version, type_compat) iff type_compat <= version and
/// type_version >= compat.
msg::error check_version(const envelope& env, uint16_t reader_version,
                         uint16_t reader_compat);

} // namespace stratus::wire
