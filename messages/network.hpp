#pragma once
// Messages between the network roles, as Neutron's agents talk to its
// server over RPC:
//   network-agent@<host> → network-server  report_agent, get_host_ports,
//                                          update_port_status
//   compute@<host>       → network-server  allocate_ports, deallocate_ports
// Port bindings travel as JSON (what the agent needs to realise a port:
// its network's segment, MTU, bridge and tap names, the remote tunnel
// endpoints of the network's other hosts), and so do the routers
// scheduled to the host; the messages are typed.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

struct report_agent_reply {
  STRATUS_MESSAGE("network.report_agent_reply", 1, 1) // 1: initial
  std::string agent_id;
  STRATUS_FIELDS(agent_id)
};

/// An agent's heartbeat with what its host can do (Neutron's report_state).
struct report_agent_request {
  STRATUS_MESSAGE("network.report_agent_request", 1, 1) // 1: initial
  using reply_type = report_agent_reply;
  std::string host;
  std::string tunnel_ip;
  std::vector<std::string> bridge_mappings; // "physnet:interface"
  std::vector<std::string> device_kinds;    // link kinds the kernel can make
  int64_t started_at = 0;                   // Unix seconds
  STRATUS_FIELDS(host, tunnel_ip, bridge_mappings, device_kinds, started_at)
};

struct get_host_ports_reply {
  STRATUS_MESSAGE("network.get_host_ports_reply", 3,
                  1) // 1: initial; 2: security_groups, generation; 3: routers
  std::string bindings;        // JSON array, one object per port bound to the host
  std::string security_groups; // JSON object: the rules and members the ports' groups need
  uint64_t generation = 0;     // of the server's model when it answered
  /// JSON array, one object per router scheduled to the host (its qrouter
  /// namespace, qr-/qg- devices, routes, floating IPs): network_api::host_routers.
  std::string routers;
  STRATUS_FIELDS(bindings, security_groups, generation, routers)
};

/// The ports bound to `host`, with what realising them needs. A long poll:
/// when the server's model is still at `known_generation`, the answer
/// waits until something changes or `wait_ms` has passed, so that a
/// change reaches the agents at once without them polling hard.
struct get_host_ports_request {
  STRATUS_MESSAGE("network.get_host_ports_request", 2,
                  1) // 1: initial; 2: known_generation, wait_ms
  using reply_type = get_host_ports_reply;
  std::string host;
  uint64_t known_generation = 0; // 0: answer at once
  uint32_t wait_ms = 0;
  STRATUS_FIELDS(host, known_generation, wait_ms)
};

struct update_port_status_reply {
  STRATUS_MESSAGE("network.update_port_status_reply", 1, 1) // 1: initial
  uint32_t changed = 0;
  STRATUS_FIELDS(changed)
};

/// Ports the agent on `host` found plugged (up) or not (down); ports no
/// longer bound to that host are left alone. Likewise floating IPs (ids,
/// from the `routers` of get_host_ports_reply) whose NAT the agent has
/// realised (up: status ACTIVE) or lost (down: DOWN); only those of
/// routers scheduled to `host` and still associated change. Like the
/// ports, the agent sends only what differs from the status it was given.
struct update_port_status_request {
  STRATUS_MESSAGE("network.update_port_status_request", 2,
                  1) // 1: initial; 2: floating_ips_up, floating_ips_down
  static constexpr bool idempotent = false;
  using reply_type = update_port_status_reply;
  std::string host;
  std::vector<std::string> up;
  std::vector<std::string> down;
  std::vector<std::string> floating_ips_up;
  std::vector<std::string> floating_ips_down;
  STRATUS_FIELDS(host, up, down, floating_ips_up, floating_ips_down)
};

struct allocate_ports_reply {
  STRATUS_MESSAGE("network.allocate_ports_reply", 1, 1) // 1: initial
  std::string ports; // JSON array: the instance's ports, bound to the host
  STRATUS_FIELDS(ports)
};

/// Creates (or takes over) and binds an instance's ports on `host`, as
/// Nova's allocate_for_instance does: `requested` is the server's
/// `networks` (JSON array of {uuid, port, fixed_ip}, or "auto"/"none").
/// The ports it makes get `security_groups` (JSON array of the project's
/// group ids or names, "default" among them; empty or absent: the
/// project's default group), as Nova's security_groups of the server.
/// All or nothing: a failure leaves no port behind.
struct allocate_ports_request {
  STRATUS_MESSAGE("network.allocate_ports_request", 2, 1) // 1: initial; 2: security_groups
  static constexpr bool idempotent = false;
  using reply_type = allocate_ports_reply;
  std::string instance_id;
  std::string project_id;
  std::string host;
  std::string requested;
  std::string security_groups; // JSON array; "" from a version 1 writer = []
  STRATUS_FIELDS(instance_id, project_id, host, requested, security_groups)
};

struct deallocate_ports_reply {
  STRATUS_MESSAGE("network.deallocate_ports_reply", 1, 1) // 1: initial
  uint32_t released = 0;
  STRATUS_FIELDS(released)
};

/// Deletes the ports made for an instance and unbinds those it was given;
/// only those bound to `host` when it is set, so that a failed build's
/// late release cannot take the ports of the host it was rescheduled to.
struct deallocate_ports_request {
  STRATUS_MESSAGE("network.deallocate_ports_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = deallocate_ports_reply;
  std::string instance_id;
  std::string host;
  std::string port_id; // just this port ("" = all of the instance's)
  STRATUS_FIELDS(instance_id, host, port_id)
};

} // namespace stratus::msg
