#pragma once
// The placement role: resource providers, inventories, allocations,
// traits, aggregates and allocation candidates (the Placement API).
//
// Interface (requests carry a msg::context first):
//   api_call_request -> api_call_reply (operations "placement:*")
//
// The scheduler and the compute nodes use the same operations, as Nova's
// services use Placement's REST API. Everything is answered from memory;
// changes are written through the conductor (table "placement") before the
// reply goes out, and the model is rebuilt from that table at start.

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "placement". Settings: conductor ("conductor@<this node>").
caf::actor spawn_placement(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
