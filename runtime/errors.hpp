#pragma once
// Typed errors between actors: msg::error travels inside CAF as a caf::error
// of the "stratus" category, so request handlers can answer with either their
// reply struct or an error.

#include <caf/error.hpp>

#include "messages/error.hpp"

namespace stratus::runtime {

/// A caf::error carrying a typed Stratus error.
caf::error make_error(msg::errc code, std::string message);
caf::error make_error(const msg::error& err);

/// Maps any caf::error back to a typed error (CAF's own timeouts become
/// `timeout`, anything unknown `internal`).
msg::error to_error(const caf::error& err);

} // namespace stratus::runtime
