#pragma once
// Every role this build knows, by name.

#include "runtime/role.hpp"

namespace stratus::actors {

/// The role registry stratus-node starts roles from.
runtime::role_registry all_roles();

} // namespace stratus::actors
