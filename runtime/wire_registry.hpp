#pragma once
// Every message that can cross nodes, by wire name, with what the receiving
// side does with it; built once from the project's CAF type-ID block. Also
// the helpers both ends use to address envelopes. Runtime-internal.

#include <chrono>
#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "messages/wire/envelope.hpp"

namespace stratus::runtime {

class transport;

/// Sends a reply envelope back to whoever asked.
using reply_sink = std::function<void(wire::envelope reply)>;

struct wire_entry {
  /// Requests: decodes, asks `target` from `self` (answering by `deadline`)
  /// and hands the reply or error envelope to `sink`.
  std::function<void(caf::event_based_actor* self, const caf::actor& target,
                     const wire::envelope&, std::chrono::steady_clock::time_point deadline,
                     reply_sink)>
    serve;
  /// Notices: decodes and delivers to `target`.
  std::function<msg::error(const caf::actor& target, const wire::envelope&)> deliver;
};

/// The entry for a wire type name, or nullptr for a type nobody here knows.
const wire_entry* find_wire_entry(const std::string& type_name);

/// If `m` is (context, notice), encodes it, queues it to `node` and returns
/// true; false for anything else.
bool try_send_notice(transport& tp, const std::string& source, const std::string& destination,
                     const std::string& node, const caf::message& m);

} // namespace stratus::runtime
