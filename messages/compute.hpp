#pragma once
// Messages between the compute roles, as Nova's services talk:
//   compute-api       → compute-conductor  build_servers, update_instance, get_instances,
//                                          get_instance_actions, get_hosts, update_host
//   compute-conductor → scheduler          select_destinations
//   compute-conductor → compute@<host>     build_instance
//   compute-api       → compute@<host>     instance_action, attach_interface,
//                                          detach_interface
//   compute@<host>    → compute-conductor  report_host, update_instance
// Instances, hosts and request specs travel as JSON objects (the records
// the compute-conductor keeps), as Nova's versioned objects do in
// oslo.messaging; the messages around them are typed.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

struct build_servers_reply {
  STRATUS_MESSAGE("compute.build_servers_reply", 1, 1) // 1: initial
  uint32_t accepted = 0;
  STRATUS_FIELDS(accepted)
};

/// Records new instances (vm_state building, task_state scheduling) and
/// starts their builds; answered once the records are durable.
struct build_servers_request {
  STRATUS_MESSAGE("compute.build_servers_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = build_servers_reply;
  std::vector<std::string> instances; // JSON instance records
  std::string request_spec;           // JSON: flavor, image, hints, zone, group
  STRATUS_FIELDS(instances, request_spec)
};

struct update_instance_reply {
  STRATUS_MESSAGE("compute.update_instance_reply", 1, 1) // 1: initial
  std::string instance; // the record after the update (JSON)
  STRATUS_FIELDS(instance)
};

/// A compare-and-swap on an instance: the changes apply only if the
/// instance's task_state is one of `expected_task_states` ("" stands for
/// none) and its vm_state one of `expected_vm_states` (an empty list
/// accepts any); otherwise `conflict` (Nova's UnexpectedTaskStateError).
/// `action` starts an instance action, `event` records one of its events.
struct update_instance_request {
  STRATUS_MESSAGE("compute.update_instance_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = update_instance_reply;
  std::string uuid;
  std::vector<std::string> expected_task_states;
  std::vector<std::string> expected_vm_states;
  std::string changes;      // JSON object merged into the record
  std::string action;       // e.g. "reboot": a new instance action
  std::string event;        // e.g. "compute_reboot_instance"
  std::string event_result; // "Success" or "Error"
  STRATUS_FIELDS(uuid, expected_task_states, expected_vm_states, changes, action, event,
                 event_result)
};

struct get_instances_reply {
  STRATUS_MESSAGE("compute.get_instances_reply", 1, 1) // 1: initial
  std::vector<std::string> instances; // JSON records
  uint32_t count = 0;                 // of the selection (live instances)
  uint64_t vcpus = 0;                 // their flavors' sum, for quotas
  uint64_t memory_mb = 0;
  STRATUS_FIELDS(instances, count, vcpus, memory_mb)
};

/// Instances by UUID, or all of a project (or every project), or on a host.
struct get_instances_request {
  STRATUS_MESSAGE("compute.get_instances_request", 1, 1) // 1: initial
  using reply_type = get_instances_reply;
  std::vector<std::string> uuids; // when not empty, just these
  std::string project_id;         // "" = every project
  std::string host;               // "" = any host
  bool include_deleted = false;
  bool usage_only = false; // just count, vcpus and memory_mb (quota checks)
  STRATUS_FIELDS(uuids, project_id, host, include_deleted, usage_only)
};

struct get_instance_actions_reply {
  STRATUS_MESSAGE("compute.get_instance_actions_reply", 1, 1) // 1: initial
  std::string actions; // JSON array, newest first, each with its events
  STRATUS_FIELDS(actions)
};

struct get_instance_actions_request {
  STRATUS_MESSAGE("compute.get_instance_actions_request", 1, 1) // 1: initial
  using reply_type = get_instance_actions_reply;
  std::string uuid;
  STRATUS_FIELDS(uuid)
};

struct get_hosts_reply {
  STRATUS_MESSAGE("compute.get_hosts_reply", 1, 1) // 1: initial
  std::string hosts; // JSON array of host records, each with "up"
  STRATUS_FIELDS(hosts)
};

/// Every compute host the cell knows: its service and its hypervisor.
struct get_hosts_request {
  STRATUS_MESSAGE("compute.get_hosts_request", 1, 1) // 1: initial
  using reply_type = get_hosts_reply;
  STRATUS_FIELDS()
};

struct update_host_reply {
  STRATUS_MESSAGE("compute.update_host_reply", 1, 1) // 1: initial
  std::string host; // the record after the update (JSON)
  STRATUS_FIELDS(host)
};

/// Changes a host's service: status (enabled/disabled), disabled_reason,
/// forced_down (os-services).
struct update_host_request {
  STRATUS_MESSAGE("compute.update_host_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = update_host_reply;
  std::string host;
  std::string changes; // JSON object
  STRATUS_FIELDS(host, changes)
};

struct report_host_reply {
  STRATUS_MESSAGE("compute.report_host_reply", 1, 1) // 1: initial
  bool disabled = false;
  STRATUS_FIELDS(disabled)
};

/// A compute node's heartbeat and resource report (Nova's service
/// report_count and compute_node record).
struct report_host_request {
  STRATUS_MESSAGE("compute.report_host_request", 1, 1) // 1: initial
  using reply_type = report_host_reply;
  std::string host;
  std::string report; // JSON: hypervisor facts, usage, provider uuid, zone
  STRATUS_FIELDS(host, report)
};

/// One host chosen for an instance, with the allocation claimed there (the
/// primary) or to claim if the primary fails (an alternate).
struct host_selection {
  static constexpr const char* type_name = "compute.host_selection";
  std::string instance_uuid;
  std::string host;
  std::string provider_uuid;
  std::string allocation; // JSON: {"<provider>": {"resources": {...}}}
  STRATUS_FIELDS(instance_uuid, host, provider_uuid, allocation)
};

struct select_destinations_reply {
  STRATUS_MESSAGE("compute.select_destinations_reply", 1, 1) // 1: initial
  /// Per instance, in request order: the claimed host, then its alternates.
  std::vector<host_selection> selections;
  STRATUS_FIELDS(selections)
};

/// Picks a host per instance and claims its resources in placement;
/// not_found ("No valid host was found. …") when none fits.
struct select_destinations_request {
  STRATUS_MESSAGE("compute.select_destinations_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = select_destinations_reply;
  std::string request_spec; // JSON
  std::vector<std::string> instance_uuids;
  std::string project_id;
  std::string user_id;
  uint32_t alternates = 2;
  STRATUS_FIELDS(request_spec, instance_uuids, project_id, user_id, alternates)
};

struct build_instance_reply {
  STRATUS_MESSAGE("compute.build_instance_reply", 1, 1) // 1: initial
  int32_t power_state = 0;
  STRATUS_FIELDS(power_state)
};

/// Builds an instance on this compute node (its resources already claimed).
/// An error means the build failed here and may be rescheduled.
struct build_instance_request {
  STRATUS_MESSAGE("compute.build_instance_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = build_instance_reply;
  std::string instance; // JSON record
  STRATUS_FIELDS(instance)
};

struct instance_action_reply {
  STRATUS_MESSAGE("compute.instance_action_reply", 1, 1) // 1: initial
  int32_t power_state = 0;
  STRATUS_FIELDS(power_state)
};

/// Carries out an action already recorded as the instance's task_state:
/// reboot_soft, reboot_hard, stop, start, pause, unpause, suspend, resume,
/// delete.
struct instance_action_request {
  STRATUS_MESSAGE("compute.instance_action_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = instance_action_reply;
  std::string uuid;
  std::string action;
  std::string instance; // JSON record as the API saw it
  STRATUS_FIELDS(uuid, action, instance)
};

struct attach_interface_reply {
  STRATUS_MESSAGE("compute.attach_interface_reply", 1, 1) // 1: initial
  std::string port; // JSON: the port, bound and plugged
  STRATUS_FIELDS(port)
};

/// Gives a running instance one more port (Nova's attach_interface):
/// `requested` is one networks entry as JSON ({uuid[, fixed_ip]} or {port}).
struct attach_interface_request {
  STRATUS_MESSAGE("compute.attach_interface_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = attach_interface_reply;
  std::string uuid;
  std::string requested;
  STRATUS_FIELDS(uuid, requested)
};

struct detach_interface_reply {
  STRATUS_MESSAGE("compute.detach_interface_reply", 1, 1) // 1: initial
  bool detached = false;
  STRATUS_FIELDS(detached)
};

/// Takes a port off a running instance (Nova's detach_interface).
struct detach_interface_request {
  STRATUS_MESSAGE("compute.detach_interface_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = detach_interface_reply;
  std::string uuid;
  std::string port_id;
  STRATUS_FIELDS(uuid, port_id)
};

} // namespace stratus::msg
