#pragma once
// The scheduler: where an instance goes. Asks placement for candidate
// hosts, runs the filters and weighers over them, claims the pick's
// resources in placement (the next host on a conflict) and answers with the
// claimed host plus alternates for reschedules.
//
// Interface (requests carry a msg::context first):
//   select_destinations_request -> select_destinations_reply
//                                 | not_found "No valid host was found. …"

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "scheduler". Settings: placement, compute-conductor
/// ("<role>@<this node>"), enabled_filters and weighers (Nova's class names,
/// comma-separated; Nova's defaults), host_subset_size (1),
/// max_placement_results (1000).
caf::actor spawn_scheduler(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
