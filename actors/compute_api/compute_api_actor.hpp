#pragma once
// The compute API role (nova-api): the Compute API's operations. Flavors,
// key pairs, server groups and quotas are its own records (table
// "compute"); instances and hosts are asked of the compute-conductor,
// images of the image role; server actions go to the instance's compute
// host once the compute-conductor recorded their task state.
//
// Interface (requests carry a msg::context first):
//   api_call_request -> api_call_reply (operations "os_compute_api:*")

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "compute-api". Settings: conductor, compute-conductor,
/// placement, image-api ("<role>@<this node>"), default_availability_zone
/// ("nova"), max_limit (1000).
caf::actor spawn_compute_api(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
