// A server's ports: list, show, attach, detach (os-interface).
// https://docs.openstack.org/api-ref/compute/#port-interfaces-servers-os-interface
// The ports come from the network-server as the caller sees them; attach
// and detach are a compare-and-swap (the server must be idle in ACTIVE,
// PAUSED or SHUTOFF), then the compute host does the work and answers.

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// The server's ports among those the caller sees.
std::vector<const json*> ports_of(const compute_call& c, const std::string& uuid) {
  std::vector<const json*> out;
  for (auto& p : c.cell.ports)
    if (str(p, "device_id") == uuid)
      out.push_back(&p);
  return out;
}

/// The CAS every attach and detach starts with.
std::optional<compute_result> idle_server(const compute_call& c, const json& x,
                                          const std::string& action, compute_result& r) {
  const std::string vm = str(x, "vm_state");
  if (!str(x, "task_state").empty() || (vm != "active" && vm != "paused" && vm != "stopped"))
    return api_error(msg::errc::conflict, "Cannot '" + action + "' instance " + str(x, "uuid") +
                                              " while it is in vm_state " + vm);
  if (str(x, "host").empty())
    return api_error(msg::errc::conflict, "Instance " + str(x, "uuid") + " has no host.");
  instance_transition t;
  t.update.uuid = str(x, "uuid");
  t.update.expected_task_states = {""};
  t.update.expected_vm_states = {"active", "paused", "stopped"};
  t.update.action = action;
  t.conflict_message = "Cannot '" + action + "' instance " + str(x, "uuid") +
                       " while it is changing state";
  r.transitions.push_back(std::move(t));
  (void)c;
  return std::nullopt;
}

} // namespace

json interface_attachment(const json& port) {
  json ips = json::array();
  for (auto& ip : port.value("fixed_ips", json::array()))
    ips.push_back({{"subnet_id", str(ip, "subnet_id")}, {"ip_address", str(ip, "ip_address")}});
  return {{"port_id", str(port, "id")},
          {"net_id", str(port, "network_id")},
          {"mac_addr", str(port, "mac_address")},
          {"port_state", str(port, "status")},
          {"fixed_ips", ips}};
}

void compute_api::add_interface_operations() {
  add("os_compute_api:os-attach-interfaces:list", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    json out = json::array();
    for (const json* p : ports_of(c, str(*x, "uuid")))
      out.push_back(interface_attachment(*p));
    return api_json(200, {{"interfaceAttachments", out}});
  });

  add("os_compute_api:os-attach-interfaces:show", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const auto port_id = c.call.path("port_id");
    for (const json* p : ports_of(c, str(*x, "uuid")))
      if (str(*p, "id") == port_id)
        return api_json(200, {{"interfaceAttachment", interface_attachment(*p)}});
    return api_error(msg::errc::not_found,
                     "Instance " + str(*x, "uuid") + " is not attached to port " + port_id + ".");
  });

  add("os_compute_api:os-attach-interfaces:create", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const json body = c.call.body.value("interfaceAttachment", json::object());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute interfaceAttachment.");
    json requested;
    if (auto port = str(body, "port_id"); !port.empty()) {
      if (body.contains("net_id") || body.contains("fixed_ips"))
        return api_error(msg::errc::invalid,
                         "Specifying a port and a network or fixed IPs together is not allowed.");
      requested = {{"port", port}};
    } else if (auto net = str(body, "net_id"); !net.empty()) {
      requested = {{"uuid", net}};
      if (auto ips = body.value("fixed_ips", json::array()); ips.is_array() && !ips.empty())
        requested["fixed_ip"] = str(ips[0], "ip_address");
    } else {
      // Nova picks the project's one network when none is named.
      requested = "auto";
    }
    json networks = requested.is_string() ? requested : json::array({requested});
    if (auto bad = resolve_networks(c, networks))
      return *bad;
    if (networks == json("none"))
      return api_error(msg::errc::invalid, "No network is available to attach to.");
    compute_result r;
    if (auto busy = idle_server(c, *x, "attach_interface", r))
      return *busy;
    r.interface = interface_change{str(*x, "host"),
                                   msg::attach_interface_request{str(*x, "uuid"), networks[0].dump()},
                                   std::nullopt};
    return r;
  });

  add("os_compute_api:os-attach-interfaces:delete", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const auto port_id = c.call.path("port_id");
    const auto ports = ports_of(c, str(*x, "uuid"));
    if (std::none_of(ports.begin(), ports.end(),
                     [&](const json* p) { return str(*p, "id") == port_id; }))
      return api_error(msg::errc::not_found, "Port " + port_id + " is not attached");
    compute_result r;
    if (auto busy = idle_server(c, *x, "detach_interface", r))
      return *busy;
    r.interface = interface_change{str(*x, "host"), std::nullopt,
                                   msg::detach_interface_request{str(*x, "uuid"), port_id}};
    return r;
  });
}

} // namespace stratus::compute
