#pragma once
// The built-in echo role: answers echo_request, counts count_request and
// echo_notice, and fails on crash_request. Tests and benchmarks of the
// transport and of supervision use it.

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "echo".
caf::actor spawn_echo(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
