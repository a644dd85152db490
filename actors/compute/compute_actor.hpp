#pragma once
// The compute role, one per compute node (nova-compute): a resource tracker
// that reports the host to placement and to the compute-conductor, builds
// (image fetched through the image role into a local cache, then the guest
// defined and started), server actions, and a periodic power-state sync
// that notices guests that died or changed behind its back. It never
// touches the database: every state change is an update_instance_request
// to the compute-conductor, a compare-and-swap on the task state.
//
// Interface (requests carry a msg::context first):
//   build_instance_request  -> build_instance_reply  | error (reschedulable)
//   instance_action_request -> instance_action_reply | error

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "compute". Settings: libvirt_uri (default: libvirt's test
/// driver on <state dir>/node.xml, written from vcpus and memory_mb), vcpus
/// (8), memory_mb (16384), disk_gb (200), cpu_allocation_ratio (4.0),
/// ram_allocation_ratio (1.0), disk_allocation_ratio (1.0),
/// reserved_host_memory_mb (512), zone ("nova"), report_interval (10 s),
/// sync_power_state_interval (10 s), placement, compute-conductor, image-api.
caf::actor spawn_compute(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
