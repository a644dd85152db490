#pragma once
// The tag a remote proxy puts before a request it hands to the bridge.

#include <caf/atom.hpp>

namespace stratus::runtime {

using forward_atom = caf::atom_constant<caf::atom("forward")>;

} // namespace stratus::runtime
