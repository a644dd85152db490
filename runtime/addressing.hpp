#pragma once
// Building addressed envelopes. Runtime-internal; pulls in msgpack.

#include <string>

#include "messages/wire/payload.hpp"

namespace stratus::runtime {

/// An envelope of kind `k` around `x`, addressed from `source` to `destination`.
template <class T>
wire::envelope addressed(wire::kind k, const T& x, const std::string& source,
                         const std::string& destination, const msg::context& ctx) {
  auto env = wire::make_envelope(k, x);
  env.source = source;
  env.destination = destination;
  env.ctx = ctx;
  return env;
}

} // namespace stratus::runtime
