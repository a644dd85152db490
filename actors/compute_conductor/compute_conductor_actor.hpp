#pragma once
// The compute-conductor: Nova's conductor for one cell. The only writer of
// instance state (through the conductor, table "compute"), and the owner of
// the build workflow:
//
//   build_servers ─► record (building/scheduling) ─► scheduler: select and claim
//        ─► compute@host: build ──ok──► (compute wrote ACTIVE)
//                              └─fail─► release the claim, next alternate
//                                       (claimed now) … none left ─► ERROR + fault
//
// Interface (requests carry a msg::context first):
//   build_servers_request        -> build_servers_reply (records durable)
//   update_instance_request      -> update_instance_reply | conflict
//   get_instances_request        -> get_instances_reply
//   get_instance_actions_request -> get_instance_actions_reply
//   get_hosts_request            -> get_hosts_reply
//   update_host_request          -> update_host_reply
//   report_host_request          -> report_host_reply (compute heartbeats)

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "compute-conductor". Settings: conductor, scheduler,
/// placement ("<role>@<this node>"), max_attempts (3: the host and two
/// alternates), service_down_time (60 s), build_timeout (300 s).
caf::actor spawn_compute_conductor(caf::event_based_actor* supervisor,
                                   const runtime::role_env& env);

} // namespace stratus::actors
