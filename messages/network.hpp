#pragma once
// Messages between the network roles, as Neutron's agents talk to its
// server over RPC:
//   network-agent@<host> → network-server  report_agent, get_host_ports,
//                                          update_port_status
//   compute@<host>       → network-server  allocate_ports, deallocate_ports
// Port bindings travel as JSON (what the agent needs to realise a port:
// its network's segment, MTU, bridge and tap names, the remote tunnel
// endpoints of the network's other hosts); the messages are typed.

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
  STRATUS_MESSAGE("network.get_host_ports_reply", 1, 1) // 1: initial
  std::string bindings; // JSON array, one object per port bound to the host
  STRATUS_FIELDS(bindings)
};

/// The ports bound to `host`, with what realising them needs.
struct get_host_ports_request {
  STRATUS_MESSAGE("network.get_host_ports_request", 1, 1) // 1: initial
  using reply_type = get_host_ports_reply;
  std::string host;
  STRATUS_FIELDS(host)
};

struct update_port_status_reply {
  STRATUS_MESSAGE("network.update_port_status_reply", 1, 1) // 1: initial
  uint32_t changed = 0;
  STRATUS_FIELDS(changed)
};

/// Ports the agent on `host` found plugged (up) or not (down); ports no
/// longer bound to that host are left alone.
struct update_port_status_request {
  STRATUS_MESSAGE("network.update_port_status_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = update_port_status_reply;
  std::string host;
  std::vector<std::string> up;
  std::vector<std::string> down;
  STRATUS_FIELDS(host, up, down)
};

struct allocate_ports_reply {
  STRATUS_MESSAGE("network.allocate_ports_reply", 1, 1) // 1: initial
  std::string ports; // JSON array: the instance's ports, bound to the host
  STRATUS_FIELDS(ports)
};

/// Creates (or takes over) and binds an instance's ports on `host`, as
/// Nova's allocate_for_instance does: `requested` is the server's
/// `networks` (JSON array of {uuid, port, fixed_ip}, or "auto"/"none").
/// All or nothing: a failure leaves no port behind.
struct allocate_ports_request {
  STRATUS_MESSAGE("network.allocate_ports_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = allocate_ports_reply;
  std::string instance_id;
  std::string project_id;
  std::string host;
  std::string requested;
  STRATUS_FIELDS(instance_id, project_id, host, requested)
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
