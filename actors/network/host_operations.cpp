// What hosts ask of the server rather than users: the agents' port
// bindings and status reports (Neutron's agent RPC), and the compute
// role's ports for an instance (Nova's allocate_for_instance and
// deallocate_for_instance).

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// A call on behalf of a service: admin in `project`.
struct service_request {
  msg::context ctx;
  msg::api_call_request req;
  service_request(const std::string& operation, const std::string& project, const json& body) {
    ctx.request_id = "req-network-host";
    ctx.caller.project_id = project;
    ctx.caller.roles = {"admin", "service"};
    req.operation = operation;
    req.body = body.is_null() ? "" : body.dump();
  }
};

int prefix_of(const network_model& model, const std::string& subnet_id) {
  const json* s = model.find(kinds::subnet, subnet_id);
  auto cidr = s ? ip_network::parse(str(*s, "cidr")) : std::nullopt;
  return cidr ? cidr->prefix : 32;
}

} // namespace

json network_api::host_bindings(const std::string& host, int64_t now) const {
  json out = json::array();
  std::map<std::string, std::set<std::string>> remotes_of; // network → tunnel endpoints
  for (auto& [id, p] : model_.ports()) {
    if (str(p, "binding:host_id") != host || str(p, "binding:vif_type") != "bridge")
      continue;
    const json* n = model_.find(kinds::network, str(p, "network_id"));
    if (!n)
      continue;
    const auto type = str(*n, "provider:network_type");
    // The tunnel endpoints of the network's other hosts (l2population),
    // found once per network.
    const bool tunnelled = type == "vxlan" || type == "gre";
    const bool known = remotes_of.count(str(*n, "id")) > 0;
    std::set<std::string>& remotes = remotes_of[str(*n, "id")];
    if (tunnelled && !known)
      for (auto& other_id : model_.ports_of(str(*n, "id"))) {
        const json& other = *model_.find(kinds::port, other_id);
        const auto other_host = str(other, "binding:host_id");
        if (other_host.empty() || other_host == host)
          continue;
        if (const agent_info* a = agents_.alive_on(other_host, now); a && !a->tunnel_ip.empty())
          remotes.insert(a->tunnel_ip);
      }
    json ips = json::array();
    for (auto& ip : p.value("fixed_ips", json::array())) {
      const json* s = model_.find(kinds::subnet, str(ip, "subnet_id"));
      ips.push_back({{"ip_address", str(ip, "ip_address")},
                     {"subnet_id", str(ip, "subnet_id")},
                     {"prefixlen", prefix_of(model_, str(ip, "subnet_id"))},
                     {"gateway_ip", s ? s->value("gateway_ip", json()) : json()},
                     {"enable_dhcp", s ? s->value("enable_dhcp", true) : false}});
    }
    json binding{{"port_id", id},
                   {"mac_address", str(p, "mac_address")},
                   {"network_id", str(*n, "id")},
                   {"admin_state_up", p.value("admin_state_up", true)},
                   {"status", str(p, "status")},
                   {"device_owner", str(p, "device_owner")},
                   {"device_id", str(p, "device_id")},
                   {"fixed_ips", ips},
                   {"network_type", type},
                   {"physical_network", n->value("provider:physical_network", json())},
                   {"segmentation_id", n->value("provider:segmentation_id", json())},
                   {"mtu", n->value("mtu", 1500)},
                   {"bridge", bridge_name(str(*n, "id"))},
                   {"tap", tap_name(id)},
                   {"remotes", remotes},
                   {"port_security_enabled", p.value("port_security_enabled", true)},
                   {"security_groups", p.value("security_groups", json::array())},
                   {"allowed_address_pairs", p.value("allowed_address_pairs", json::array())}};
    if (str(p, "device_owner") == dhcp_owner)
      binding["dhcp"] = dhcp_service_of(*n);
    out.push_back(std::move(binding));
  }
  return out;
}

json network_api::dhcp_service_of(const json& network) const {
  json subnets = json::array();
  std::set<std::string> served; // subnet ids with DHCP on
  for (auto& sid : model_.subnets_of(str(network, "id"))) {
    const json& s = *model_.find(kinds::subnet, sid);
    if (!s.value("enable_dhcp", true) || s.value("ip_version", 4) != 4)
      continue; // IPv6 addresses come from SLAAC or stay static here
    served.insert(sid);
    subnets.push_back({{"id", sid},
                       {"cidr", str(s, "cidr")},
                       {"gateway_ip", s.value("gateway_ip", json())},
                       {"dns_nameservers", s.value("dns_nameservers", json::array())},
                       {"host_routes", s.value("host_routes", json::array())}});
  }
  json hosts = json::array();
  for (auto& pid : model_.ports_of(str(network, "id"))) {
    const json& p = *model_.find(kinds::port, pid);
    for (auto& ip : p.value("fixed_ips", json::array())) {
      if (!served.count(str(ip, "subnet_id")))
        continue;
      std::string name = "host-" + str(ip, "ip_address");
      std::replace(name.begin(), name.end(), '.', '-');
      hosts.push_back({{"mac_address", str(p, "mac_address")},
                       {"ip_address", str(ip, "ip_address")},
                       {"hostname", name}});
    }
  }
  return {{"subnets", subnets}, {"hosts", hosts}, {"mtu", network.value("mtu", 1500)}};
}

bool network_api::serves_dhcp(const std::string& network_id) const {
  for (auto& sid : model_.subnets_of(network_id)) {
    const json& s = *model_.find(kinds::subnet, sid);
    if (s.value("enable_dhcp", true) && s.value("ip_version", 4) == 4)
      return true;
  }
  return false;
}

const json* network_api::dhcp_port_on(const std::string& network_id, const std::string& host) const {
  for (auto& pid : model_.ports_of(network_id)) {
    const json& p = *model_.find(kinds::port, pid);
    if (str(p, "device_owner") == dhcp_owner && (host.empty() || str(p, "binding:host_id") == host))
      return &p;
  }
  return nullptr;
}

api_result network_api::update_port_status(const std::string& host,
                                           const std::vector<std::string>& up,
                                           const std::vector<std::string>& down, int64_t now) {
  return set_statuses(model_, kinds::port, up, down, now,
                      [&](const json& p) { return str(p, "binding:host_id") == host; });
}

api_result network_api::allocate_ports(const std::string& instance_id,
                                       const std::string& project_id, const std::string& host,
                                       const json& requested, int64_t now,
                                       const json& security_groups) {
  // The groups the new ports get, as Nova's _process_security_groups finds
  // them among the project's: a name (unique) before an id. "default"
  // before the project has one is left to create_port, which makes it.
  json group_ids = json::array();
  for (auto& wanted : security_groups) {
    const std::string name = wanted.is_string() ? wanted.get<std::string>() : wanted.dump();
    std::string by_name, by_id;
    for (auto& [id, g] : model_.security_groups()) {
      if (str(g, "project_id") != project_id)
        continue;
      if (str(g, "name") == name) {
        if (!by_name.empty())
          return api_support::api_error(msg::errc::conflict,
                                        "Multiple security groups found matching '" + name +
                                            "'. Use an ID to be more specific.");
        by_name = id;
      }
      if (id == name)
        by_id = id;
    }
    const std::string id = !by_name.empty() ? by_name : by_id;
    if (id.empty() && name != "default")
      return api_support::api_error(msg::errc::not_found, "Security group " + name + " not found.");
    if (!id.empty() && std::find(group_ids.begin(), group_ids.end(), json(id)) == group_ids.end())
      group_ids.push_back(id);
  }
  // What to make: one port per requested network, the given ports taken over.
  json to_create = json::array();
  std::vector<std::string> given;
  auto network_port = [&](const std::string& network_id, const std::string& fixed_ip) {
    json p{{"network_id", network_id},
           {"project_id", project_id},
           {"device_id", instance_id},
           {"device_owner", "compute:nova"},
           {"binding:host_id", host}};
    if (!fixed_ip.empty())
      p["fixed_ips"] = json::array({{{"ip_address", fixed_ip}}});
    if (!group_ids.empty())
      p["security_groups"] = group_ids;
    to_create.push_back(p);
  };
  if (requested.is_string() && requested == "auto") {
    std::vector<std::string> candidates;
    for (auto& [id, n] : model_.networks())
      if (str(n, "project_id") == project_id || n.value("shared", false))
        if (!n.value("router:external", false))
          candidates.push_back(id);
    if (candidates.empty())
      return api_support::api_error(msg::errc::invalid,
                                    "No network is available to the project for networks 'auto'.");
    if (candidates.size() > 1)
      return api_support::api_error(
          msg::errc::conflict,
          "Multiple possible networks found, use a Network ID to be more specific.");
    network_port(candidates.front(), "");
  } else if (requested.is_array()) {
    for (auto& r : requested) {
      if (auto port = str(r, "port"); !port.empty()) {
        const json* p = model_.find(kinds::port, port);
        if (!p || (str(*p, "project_id") != project_id))
          return api_support::api_error(msg::errc::not_found, "Port " + port + " could not be found.");
        if (!str(*p, "device_id").empty() && str(*p, "device_id") != instance_id)
          return api_support::api_error(msg::errc::conflict,
                                        "Port " + port + " is still in use.");
        given.push_back(port);
        continue;
      }
      const auto network = str(r, "uuid");
      const json* n = model_.find(kinds::network, network);
      if (!n || !(str(*n, "project_id") == project_id || n->value("shared", false)))
        return api_support::api_error(msg::errc::not_found,
                                      "Network " + network + " could not be found.");
      network_port(network, str(r, "fixed_ip"));
    }
  }

  std::vector<record_change> changes;
  std::vector<record_change> undo; // applied in reverse if a port cannot be bound
  std::vector<std::string> ids;
  // The project's default security group may be made on the way: if the
  // allocation gives up, it goes again with the ports.
  if (!default_group_of(project_id)) {
    undo.push_back({kinds::security_group, "", std::nullopt}); // placeholder, see give_up
  }
  auto give_up = [&](api_result error) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      if (it->kind != kinds::security_group) {
        model_.apply(*it);
        continue;
      }
      if (const json* g = default_group_of(project_id)) { // made by this allocation
        const std::string group_id = str(*g, "id");
        const std::set<std::string> rules = model_.rules_of(group_id);
        for (auto& rule : rules)
          model_.apply({kinds::security_group_rule, rule, std::nullopt});
        model_.apply({kinds::security_group, group_id, std::nullopt});
      }
    }
    return error;
  };
  if (!to_create.empty()) {
    service_request create("create_port", project_id, {{"ports", to_create}});
    api_result made = ops_.run(create.ctx, create.req, "", now);
    if (made.error || made.reply.status != 201)
      return made;
    changes = std::move(made.changes);
    const json created = json::parse(made.reply.body); // kept: the loop reads into it
    for (auto& p : created["ports"]) {
      const auto id = str(p, "id");
      ids.push_back(id);
      // Marked as made for the instance: deallocation deletes it.
      record_change mark{kinds::port, id, *model_.find(kinds::port, id)};
      (*mark.value)[made_for_instance] = true;
      model_.apply(mark);
      changes.push_back(std::move(mark));
      undo.push_back({kinds::port, id, std::nullopt});
    }
  }
  for (auto& port : given) {
    undo.push_back({kinds::port, port, *model_.find(kinds::port, port)});
    service_request take("update_port", project_id,
                         {{"port",
                           {{"device_id", instance_id},
                            {"device_owner", "compute:nova"},
                            {"binding:host_id", host}}}});
    take.req.path = {{"port_id", port}};
    api_result taken = ops_.run(take.ctx, take.req, "", now);
    if (taken.error || taken.reply.status != 200)
      return give_up(taken); // checked above: does not happen short of a bug
    changes.insert(changes.end(), taken.changes.begin(), taken.changes.end());
    ids.push_back(port);
  }
  // A DHCP server for each of the instance's networks that serves DHCP
  // and has none yet (Neutron's DHCP port): on this host, the first with
  // a guest there; with dhcp_agents_per_network = 0 on every such host.
  const std::string dhcp_host = settings_.dhcp_agents_per_network == 0 ? host : "";
  std::set<std::string> networks_here;
  for (auto& id : ids)
    networks_here.insert(str(*model_.find(kinds::port, id), "network_id"));
  for (auto& network_id : networks_here) {
    if (!serves_dhcp(network_id) || dhcp_port_on(network_id, dhcp_host))
      continue;
    const json& n = *model_.find(kinds::network, network_id);
    service_request dhcp("create_port", str(n, "project_id"),
                         {{"port",
                           {{"network_id", network_id},
                            {"project_id", str(n, "project_id")},
                            {"device_id", "dhcp-" + host},
                            {"device_owner", dhcp_owner},
                            {"binding:host_id", host}}}});
    api_result made = ops_.run(dhcp.ctx, dhcp.req, "", now);
    if (made.error || made.reply.status != 201)
      return give_up(made.error ? made
                                : api_support::api_error(msg::errc::conflict,
                                                         "No DHCP port for network " + network_id +
                                                             ": " + made.reply.body));
    const json created = json::parse(made.reply.body);
    undo.push_back({kinds::port, str(created["port"], "id"), std::nullopt});
    changes.insert(changes.end(), made.changes.begin(), made.changes.end());
  }

  json ports = json::array();
  for (auto& id : ids) {
    json p = *model_.find(kinds::port, id);
    if (p.contains("binding_failure"))
      return give_up(api_support::api_error(msg::errc::unavailable,
                                            "Binding failed for port " + id + ": " +
                                                str(p, "binding_failure")));
    p.erase(made_for_instance);
    // What plugging and the server's addresses need besides the port.
    const json* n = model_.find(kinds::network, str(p, "network_id"));
    p["network_name"] = n ? str(*n, "name") : "";
    p["mtu"] = n ? n->value("mtu", 1500) : 1500;
    for (auto& ip : p["fixed_ips"]) {
      const json* subnet = model_.find(kinds::subnet, str(ip, "subnet_id"));
      ip["prefixlen"] = prefix_of(model_, str(ip, "subnet_id"));
      ip["version"] = str(ip, "ip_address").find(':') == std::string::npos ? 4 : 6;
      ip["enable_dhcp"] = subnet && subnet->value("enable_dhcp", true);
    }
    ports.push_back(p);
  }
  api_result r = json_reply(200, ports);
  r.changes = std::move(changes);
  return r;
}

api_result network_api::deallocate_ports(const std::string& instance_id, const std::string& host,
                                         const std::string& port_id, int64_t now) {
  std::vector<record_change> changes;
  uint32_t released = 0;
  std::vector<std::string> ports;
  for (auto& [id, p] : model_.ports())
    if (str(p, "device_id") == instance_id && (host.empty() || str(p, "binding:host_id") == host) &&
        (port_id.empty() || id == port_id))
      ports.push_back(id);
  for (auto& id : ports) {
    // Ports made for the instance go; ports the user gave are unbound and kept.
    const json& p = *model_.find(kinds::port, id);
    const bool made_for_it = p.value(made_for_instance, false);
    service_request r(made_for_it ? "delete_port" : "update_port", str(p, "project_id"),
                      made_for_it ? json()
                                  : json{{"port",
                                          {{"device_id", ""},
                                           {"device_owner", ""},
                                           {"binding:host_id", nullptr}}}});
    r.req.path = {{"port_id", id}};
    api_result done = ops_.run(r.ctx, r.req, "", now);
    changes.insert(changes.end(), done.changes.begin(), done.changes.end());
    ++released;
  }
  // DHCP ports no guest needs any more: with one server per network, when
  // the network has no guest left; with one per host, when this host has none.
  {
    const bool per_host = settings_.dhcp_agents_per_network == 0;
    std::vector<std::string> idle;
    for (auto& [id, p] : model_.ports()) {
      if (str(p, "device_owner") != dhcp_owner || (per_host && str(p, "binding:host_id") != host))
        continue;
      bool needed = false;
      for (auto& other : model_.ports_of(str(p, "network_id"))) {
        const json& o = *model_.find(kinds::port, other);
        needed |= str(o, "device_owner") == "compute:nova" &&
                  (!per_host || str(o, "binding:host_id") == host);
      }
      if (!needed)
        idle.push_back(id);
    }
    for (auto& id : idle) {
      service_request r("delete_port", str(*model_.find(kinds::port, id), "project_id"), json());
      r.req.path = {{"port_id", id}};
      api_result done = ops_.run(r.ctx, r.req, "", now);
      changes.insert(changes.end(), done.changes.begin(), done.changes.end());
    }
  }
  api_result out = json_reply(200, {{"released", released}});
  out.changes = std::move(changes);
  return out;
}

} // namespace stratus::network
