#pragma once
// The Compute API (Nova v2.1, microversions 2.1–2.79) as operations named
// by Nova's policy rules ("os_compute_api:servers:create"). Flavors, key
// pairs, server groups and quotas are answered from the compute API's own
// catalog; what concerns instances and hosts is answered from a view the
// compute-conductor gave first (cell_view), and changes to instances come
// back as requests for it: new builds, and compare-and-swap transitions
// that a compute host then carries out.
//
// https://docs.openstack.org/api-ref/compute/

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"
#include "actors/common/json_fields.hpp"
#include "actors/common/microversion.hpp"
#include "actors/common/operation_table.hpp"
#include "actors/compute_api/compute_catalog.hpp"
#include "messages/compute.hpp"

namespace stratus::compute {

/// The newest microversion this compute API speaks.
constexpr int max_minor = 79;

/// What an operation needs to know from the compute-conductor first.
struct cell_needs {
  bool server = false;            // the instance named by {server_id}
  bool project_servers = false;   // the caller's project's (all, with all_tenants for admins)
  bool all_servers = false;       // every instance (hypervisor usage)
  bool usage = false;             // the project's counts, for quotas
  bool hosts = false;             // compute hosts and services
  bool actions = false;           // the server's instance actions
  std::string image_id;           // the image a new server boots from
  bool networks = false;          // the networks and ports the caller sees (a new server's)
  bool ports = false;             // the ports the caller sees (servers' security groups)
  bool security_groups = false;   // the security groups the caller sees, with their rules
  bool floating_ips = false;      // the floating IPs the caller sees (servers' addresses)
};

/// What the compute-conductor answered.
struct cell_view {
  std::vector<json> servers;
  json hosts = json::array();
  uint32_t instances_used = 0;
  uint64_t cores_used = 0;
  uint64_t ram_used = 0;
  json actions = json::array();
  json image; // the image as the caller sees it; null if there is none
  json networks = json::array(); // the networks the caller sees (Neutron's list)
  json ports = json::array();    // the caller's ports
  bool ports_seen = false;       // the network-server answered for the ports
  json security_groups = json::array(); // Neutron's security groups the caller sees
  json floating_ips = json::array();    // the floating IPs the caller sees
};

/// A change of one instance: the compare-and-swap, then, if it wins, the
/// action a compute host carries out (or a delete done here when no host
/// has the instance).
struct instance_transition {
  msg::update_instance_request update;
  std::string host;   // "" = none
  std::string action; // server action for compute@host, "" = none
  bool local_delete = false;
  std::string conflict_message; // the 409 text if the CAS loses
};

/// A port attached to or detached from a server by its host; the reply
/// waits for the host's answer.
struct interface_change {
  std::string host;
  std::optional<msg::attach_interface_request> attach;
  std::optional<msg::detach_interface_request> detach;
};

/// A console of a running server: where it listens (asked of its host),
/// then a token for it (asked of the console role), then the URL.
struct console_request {
  std::string host;     // the server's compute host
  std::string uuid;
  std::string protocol; // "vnc" or "serial"
  std::string type;     // "novnc" or "serial"
  bool legacy = false;  // os-getVNCConsole/os-getSerialConsole: {"console": {type, url}}
};

/// Networking API calls made with the caller's context, one after the
/// other, stopping at the first that fails (Nova's proxy APIs); `done`
/// turns the last reply (the failed one, if any) into the answer.
struct network_plan {
  std::vector<msg::api_call_request> calls;
  std::function<api_support::api_answer(const msg::api_call_reply& last)> done;
};

struct compute_result : api_support::api_answer {
  compute_result() = default;
  compute_result(api_support::api_answer a)
      : api_answer(std::move(a)) {} // NOLINT: a plain answer is a result
  std::vector<record_change> changes;           // catalog records to write first
  std::optional<msg::build_servers_request> build;
  std::vector<instance_transition> transitions;
  std::optional<msg::update_host_request> host_update;
  std::optional<interface_change> interface;
  std::optional<console_request> console;
  std::optional<network_plan> network;          // last, after everything else
};

/// One request as the operations see it.
struct compute_call {
  api_support::api_call& call;
  int minor = 1;
  const cell_view& cell;
  bool at_least(int m) const {
    return minor >= m;
  }
  bool admin() const {
    return call.caller_is_admin();
  }
};

struct compute_settings {
  std::string default_zone = "nova";
  std::size_t max_limit = 1000; // Nova's [api] max_limit
};

class compute_api {
public:
  compute_api(compute_catalog& catalog, compute_settings settings = {});

  static const api_support::microversion_range& versions();

  /// What `req` needs from the compute-conductor before it can run.
  cell_needs needs(const msg::context& ctx, const msg::api_call_request& req) const;

  /// Runs the operation with what the compute-conductor answered.
  compute_result handle(const msg::context& ctx, const msg::api_call_request& req,
                        const cell_view& cell, int64_t now);

private:
  using op = std::function<compute_result(compute_call&)>;
  void add(const std::string& name, op f);
  void add_flavor_operations();
  void add_interface_operations();
  void add_keypair_operations();
  void add_server_group_operations();
  void add_quota_operations();
  void add_server_operations();
  void add_server_action_operations();
  void add_host_operations();
  void add_security_group_operations();
  void add_console_operations();

  compute_catalog& catalog_;
  compute_settings settings_;
  api_support::operation_table<compute_result> ops_;
  const cell_view* cell_ = nullptr; // of the request being run
  int minor_ = 1;
};

// -- helpers shared by the operation files ---------------------------------------------

using api_support::api_error;
using api_support::api_json;
using api_support::api_no_content;
using json_fields::count;
using json_fields::flag;
using json_fields::str;

/// Nova's boolean parameters: true/false, or "true", "True", "1", "yes",
/// "on", "t", "y" (and their opposites); nothing for anything else.
std::optional<bool> boolean_of(const json& value);
/// The image id of an imageRef (an id or a URL ending in one).
std::string image_id_of(const std::string& ref);
/// 202 Accepted with no body.
compute_result accepted();
/// The server the request names (already fetched), or a 404 answer.
const json* path_server(compute_call& c, compute_result& missing);
/// A server's requested networks checked against what the caller sees
/// (Nova's validate_networks); "auto" becomes the project's one network,
/// or "none" if it has none. The error answer if something is wrong.
std::optional<compute_result> resolve_networks(const compute_call& c, json& networks);
/// A port as os-interface shows it (an interfaceAttachment).
json interface_attachment(const json& port);
/// addSecurityGroup / removeSecurityGroup on `server` (Nova's
/// SecurityGroupActionController): the network plan updating its ports.
compute_result security_group_action(const compute_call& c, const json& server, const std::string& key,
                                     const json& value);
/// A new server's `security_groups` ([{"name"}]) as the ids its ports get
/// ("default" kept as is), or the error answer (Nova's _check_requested_secgroups).
std::optional<compute_result> requested_security_groups(const compute_call& c, const json& requested,
                                                        json& ids);
/// The security groups of the server's ports, [{"name"}] as a server shows
/// them (one per port and group, as Nova lists them); nothing when the
/// ports are not known.
std::optional<json> server_security_group_names(const compute_call& c, const std::string& uuid);
/// The server's ports among those the caller sees (cell_needs::ports).
std::vector<const json*> server_ports(const compute_call& c, const std::string& uuid);
/// Nova's legacy console actions (os-getVNCConsole, os-getSerialConsole).
compute_result legacy_console_action(const compute_call& c, const json& instance,
                                     const std::string& key, const json& value);
/// The server's addresses as Nova shows them: the fixed ones it recorded
/// at build, and each port's floating IP (cell_needs::floating_ips).
json server_addresses(const compute_call& c, const json& instance);
/// A query parameter's value, or "".
std::string query(const compute_call& c, const std::string& name);
/// Nova's time format: "2026-11-26T05:39:52Z".
std::string nova_time(int64_t unix_seconds);

} // namespace stratus::compute
