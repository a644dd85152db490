#pragma once
// The Networking API v2.0 operations the gateway routes to the
// network-server ("create_network", "get_port", … — Neutron's policy
// names), as plain functions of the model: each answers at once, or with
// the records to write first. Errors are Neutron's
// {"NeutronError": {"type", "message", "detail"}}.
//
// https://docs.openstack.org/api-ref/network/v2/

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"
#include "actors/common/operation_table.hpp"
#include "actors/common/record_change.hpp"
#include "actors/network/mechanism_driver.hpp"
#include "actors/network/network_model.hpp"

namespace stratus::network {

class model_edit;

struct api_result : api_support::api_answer {
  api_result() = default;
  api_result(api_support::api_answer a)
      : api_answer(std::move(a)) {} // NOLINT: a plain answer is a result
  std::vector<record_change> changes; // written before the reply goes out
};

/// The server's options, as neutron.conf and ml2_conf.ini name them.
struct network_settings {
  std::string tenant_network_type = "vxlan"; // [ml2] tenant_network_types (the first)
  unsigned global_physnet_mtu = 1500;
  std::string base_mac = "fa:16:3e:00:00:00";
  /// DHCP servers per network (Neutron's dhcp_agents_per_network): 1 = one,
  /// on the host of the network's first guest, kept while the network has
  /// guests; 0 = one on every host with guests of the network.
  unsigned dhcp_agents_per_network = 1;
  std::map<std::string, int64_t> default_quotas{
      {"network", 100},       {"subnet", 100},      {"port", 500},
      {"router", 10},         {"floatingip", 50},   {"security_group", 10},
      {"security_group_rule", 100}, {"subnetpool", -1}, {"rbac_policy", 10}};
};

/// One request as the operations see it.
struct network_call {
  api_support::api_call& call;
  bool admin = false;
  std::string project; // the caller's
};

class network_api {
public:
  network_api(network_model& model, const agent_registry& agents, network_settings settings);

  /// Runs `req.operation`.
  api_result handle(const msg::context& ctx, const msg::api_call_request& req, int64_t now);

  // -- what hosts ask (actors/network/host_operations.cpp) --------------------------

  /// The ports bound to `host` as its agent realises them (JSON array).
  json host_bindings(const std::string& host, int64_t now) const;
  /// What enforcing the security groups of `bindings` (host_bindings'
  /// answer) needs: {"groups": {id: "[rule…]"}, "members": {id: {"IPv4":
  /// [address…], "IPv6": […]}}} — members of the groups rules name as
  /// remote_group_id, wherever those ports are bound.
  /// Each group's rules are JSON text (a string), so that an agent parses
  /// again only the groups that changed. (security_group_host_data.cpp)
  json host_security_groups(const json& bindings) const;
  /// The agent on `host` found these ports plugged (up) or not (down).
  api_result update_port_status(const std::string& host, const std::vector<std::string>& up,
                                const std::vector<std::string>& down, int64_t now);
  /// The routers scheduled to `host` as its agent realises them (JSON
  /// array): namespace, interfaces (qr-), gateway (qg-), routes and the
  /// associated floating IPs. (actors/network/router_host_data.cpp)
  json host_routers(const std::string& host, int64_t now) const;
  /// The agent on `host` realised (up) or lost (down) these floating IPs.
  api_result update_floating_ip_status(const std::string& host,
                                       const std::vector<std::string>& up,
                                       const std::vector<std::string>& down, int64_t now);
  /// Routers with ports whose host has no live agent (or none yet) moved
  /// to the live agent with the fewest routers, their ports rebound; the
  /// changes to write (none if nothing moved).
  api_result reschedule_routers(int64_t now);
  /// An instance's ports on `host`: made for each requested network (or
  /// "auto"), given ones taken over; the reply body is the ports (JSON).
  /// All or nothing; a port the host's agent cannot bind fails it. The
  /// ports made get `security_groups` (the project's group ids or names,
  /// "default" the project's default group; none: the default group); an
  /// unknown one fails it (404).
  api_result allocate_ports(const std::string& instance_id, const std::string& project_id,
                            const std::string& host, const json& requested, int64_t now,
                            const json& security_groups = json::array());
  /// Deletes the ports made for the instance and unbinds the given ones
  /// (those bound to `host`, if not empty; just `port_id`, if not empty).
  api_result deallocate_ports(const std::string& instance_id, const std::string& host,
                              const std::string& port_id, int64_t now);

  /// What a DHCP server for `network` serves: its DHCP subnets and every
  /// port's (MAC, address) there.
  json dhcp_service_of(const json& network) const;
  bool serves_dhcp(const std::string& network_id) const;
  /// The network's DHCP port on `host` ("" = on any host), if it has one.
  const json* dhcp_port_on(const std::string& network_id, const std::string& host) const;

  network_model& model() {
    return model_;
  }
  const network_settings& settings() const {
    return settings_;
  }

private:
  using op = std::function<api_result(network_call&)>;
  void add(const std::string& name, op f);
  /// The network a new subnet or port names (`network_id`, required and
  /// visible to the caller), or the error answer.
  std::optional<api_result> named_network(const network_call& c, const json& body,
                                          const json*& network) const;
  /// 409 OverQuota if `project` already has its limit of `kind` ("port").
  std::optional<api_result> over_quota(const std::string& kind, const std::string& project) const;
  void add_network_operations();
  void add_subnet_operations();
  void add_port_operations();
  void add_tag_operations();
  void add_service_operations(); // extensions, quotas, agents, the resource list
  void add_security_group_operations();
  void add_router_operations();      // router_operations.cpp
  void add_floating_ip_operations(); // floating_ip_operations.cpp

  // -- routers and floating IPs (router_operations.cpp) -------------------------
  /// A port a router or floating IP holds, made as create_port would
  /// (`body` as its POST), in `edit`; `project` "" hides it from users.
  std::optional<api_result> make_service_port(network_call& c, json body,
                                              const std::string& project, model_edit& edit,
                                              json& created);
  /// Deletes a port (its addresses given back) in `edit`.
  void erase_port(const std::string& port_id, model_edit& edit);
  /// The router's host: kept while its agent lives, else the live agent
  /// with the fewest routers ("" if none); its interface and gateway
  /// ports bound there. `router` is written to `edit` if it changed.
  void schedule_router(json& router, model_edit& edit, int64_t now);
  /// Binds a port to `host` ("" = unbound) through the mechanism driver.
  void bind_port_to(const std::string& port_id, const std::string& host, model_edit& edit,
                    int64_t now);
  /// Floating IPs associated with `port_id` let go of it (port deleted).
  void disassociate_floating_ips(const std::string& port_id, model_edit& edit, int64_t now);
  /// create_port's one-port step, for make_service_port (set by add_port_operations).
  std::function<std::optional<api_result>(network_call&, const json&, model_edit&, json&)>
      create_port_step_;
  void add_subnet_pool_operations(); // subnet_pool_operations.cpp

  /// For a new subnet (subnet_pool_operations.cpp): the pool its body
  /// names (`subnetpool_id`, or `use_default_subnetpool`), null if none,
  /// and then `cidr`, carved from the pool (`prefixlen`, else the pool's
  /// default) or the body's own checked against the pool's free space.
  /// Also refuses mixing pooled and unpooled subnets of one IP version on
  /// a network, as Neutron does.
  std::optional<api_result> pool_subnet_cidr(const network_call& c, const json& body,
                                             const std::string& network_id, const json*& pool,
                                             std::optional<ip_network>& cidr) const;

  /// Neutron's rules of a default group: all egress, ingress from members
  /// (IPv4 and IPv6 each).
  static json default_rules(const std::string& group_id, const std::string& project, int64_t now);
  const json* default_group_of(const std::string& project) const;
  /// The project's default group, made (with its rules) if it has none.
  std::string ensure_default_group(const std::string& project, model_edit& edit, int64_t now);

  network_model& model_;
  const agent_registry& agents_;
  network_settings settings_;
  api_support::operation_table<api_result> ops_;
  /// host_security_groups' rules text per group, with the rule ids it is for.
  struct group_rules_text {
    std::set<std::string> rule_ids;
    std::set<std::string> remote_groups;
    std::string text;
  };
  struct {
    std::map<std::string, group_rules_text> cache;
  } mutable rules_text_;
  /// Ports as JSON text, for admins [1] and others [0], kept while their
  /// revision holds: a busy network's port list is mostly these. Every
  /// change of a port bumps its revision; a reload makes a new api.
  struct rendered_port {
    int64_t revision = -1;
    std::string text;
  };
  std::unordered_map<std::string, rendered_port> rendered_ports_[2];
  friend struct port_maker;
};

// -- helpers shared by the operation files ---------------------------------------

/// A Neutron error body: {"NeutronError": {"type": type, "message", "detail": ""}}.
api_result neutron_error(uint16_t status, const std::string& type, const std::string& message);
/// 400 "Invalid input for operation: <why>."
api_result invalid_input(const std::string& why);
/// 404 "<Kind> <id> could not be found." (type "<Kind>NotFound").
api_result not_found(const std::string& kind, const std::string& id);
/// 403 "(rule:<rule>) is disallowed by policy".
api_result disallowed(const std::string& rule);
/// A JSON reply.
api_result json_reply(uint16_t status, const json& body);

/// An ISO 8601 timestamp ("2026-01-02T03:04:05Z") for `unix_seconds`.
std::string iso_time(int64_t unix_seconds);
/// The attributes every resource has: id, project, description, tags,
/// timestamps and revision, as Neutron's standard attributes.
json standard_attributes(const network_call& c, const json& body, const std::string& id);
/// Bumps `record`'s revision and updated_at.
void touch(json& record, int64_t now);
/// 400 for attributes of `body` not in `known` ("Unrecognized attribute(s) 'x'").
std::optional<api_result> unknown_attributes(const json& body, const std::vector<std::string>& known);
/// 403 for attributes of `body` only admins may set.
std::optional<api_result> admin_only_attributes(const network_call& c, const json& body,
                                                const std::string& action,
                                                const std::vector<std::string>& attributes);

/// The checks every create and update body gets: an object, no unknown
/// attributes (400), none of `admin_only` set by a non-admin (403 naming
/// `action`).
std::optional<api_result> check_body(const network_call& c, const json& body,
                                     const std::vector<std::string>& known,
                                     const std::string& action,
                                     const std::vector<std::string>& admin_only);

/// Whether the caller may see / change a record.
bool network_visible(const network_call& c, const json& network);
bool owns(const network_call& c, const json& record);

/// A list reply for `collection` ("networks") from candidate records in
/// id order: Neutron's filters on any attribute (repeated = any of), tags
/// filters, sort_key/sort_dir, limit/marker/page_reverse with
/// "<collection>_links", and fields=. `render` turns a record into what
/// the caller sees; `rendered_text`, if given, is the same as JSON text
/// (cached), used when no fields= narrows the reply.
api_result list_reply(const network_call& c, const std::string& collection,
                      const std::vector<const json*>& records,
                      const std::function<json(const json&)>& render,
                      const std::function<const std::string&(const json&)>& rendered_text = {});
/// `record` cut to the fields= the request names (all if none).
json select_fields(const network_call& c, json record);

/// The records of one kind that a write changes, applied to the model at
/// once (so the next request sees them) and undone if the operation gives
/// up before it succeeds.
class model_edit {
public:
  explicit model_edit(network_model& model) : model_(model) {}
  ~model_edit();
  model_edit(const model_edit&) = delete;
  model_edit& operator=(const model_edit&) = delete;

  void put(const std::string& kind, const std::string& id, json value);
  void erase(const std::string& kind, const std::string& id);
  /// A create-only guard record (not part of the model).
  void take_guard(const std::string& kind, const std::string& id, json value);
  void drop_guard(const std::string& kind, const std::string& id);
  /// Keeps everything and hands over the changes to write.
  std::vector<record_change> commit();

private:
  network_model& model_;
  std::vector<record_change> changes_;
  std::vector<record_change> undo_; // in reverse order of application
  bool committed_ = false;
};

/// The reply once `edit`'s changes are handed over for writing.
api_result committed(api_result reply, model_edit& edit);

/// What an agent reports: records of `kind` it realised (up: ACTIVE) or
/// could not (down: DOWN), among those `reports_on` says are its own;
/// answers {"changed": N}.
api_result set_statuses(network_model& model, const std::string& kind,
                        const std::vector<std::string>& up, const std::vector<std::string>& down,
                        int64_t now, const std::function<bool(const json&)>& reports_on);

/// What a POST of one resource ({"network": {…}}) or many ({"networks":
/// […]}) answers: 201 with what `render` shows of each record `create_one`
/// made (or its error). All or nothing: a failure undoes the ones before.
using create_one_fn =
    std::function<std::optional<api_result>(network_call&, const json& item, model_edit&, json& created)>;
api_result create_resources(network_call& c, network_model& model, const std::string& kind,
                            const create_one_fn& create_one,
                            const std::function<json(const json&)>& render);

/// An updated record written: its revision moved on, the reply (200,
/// {kind: what `render` shows}) with the edit's changes.
api_result put_updated(network_call& c, model_edit& edit, const std::string& kind,
                       const std::string& id, json updated,
                       const std::function<json(const json&)>& render);

/// The guard ids.
std::string segment_guard_id(const segment& s);
std::string address_guard_id(const std::string& subnet_id, const std::string& address);
/// The guard of a subnet's prefix in its pool ("<pool>/<cidr>").
std::string prefix_guard_id(const std::string& pool_id, const std::string& cidr);
/// Gives back a deleted subnet's prefix guard, if it came from a pool.
void drop_prefix_guard(model_edit& edit, const json& subnet);

} // namespace stratus::network
