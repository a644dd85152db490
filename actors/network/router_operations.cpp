// Routers (the router, ext-gw-mode and extraroute extensions): interfaces
// on tenant subnets, a gateway on an external network, static routes;
// each router scheduled to one host's network agent, which realises it
// in a qrouter namespace from host_routers (router_host_data.cpp).
// https://docs.openstack.org/api-ref/network/v2/#routers-routers

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// Router attributes the API never shows: the host it is scheduled to.
constexpr const char* l3_host = "l3_host";
constexpr std::size_t max_routes = 30; // Neutron's [DEFAULT] max_routes

const std::vector<std::string> create_attributes{
    "name", "description", "admin_state_up", "external_gateway_info", "project_id", "tenant_id"};
const std::vector<std::string> update_attributes{"name", "description", "admin_state_up",
                                                 "external_gateway_info", "routes"};

api_result router_not_found(const std::string& id) {
  return neutron_error(404, "RouterNotFound", "Router " + id + " could not be found");
}

/// Neutron's BadRequest(resource='router'): "Bad router request: <msg>."
api_result bad_router_request(const std::string& why) {
  return neutron_error(400, "BadRequest", "Bad router request: " + why + ".");
}

json render_router(const json& r) {
  json out = r;
  out.erase(l3_host);
  return out;
}

/// Python's repr of a routes list, as Neutron's InvalidRoutes shows it.
std::string routes_repr(const json& routes) {
  std::string out = "[";
  for (auto& r : routes) {
    if (out.size() > 1)
      out += ", ";
    out += "{'destination': '" + str(r, "destination") + "', 'nexthop': '" + str(r, "nexthop") +
           "'}";
  }
  return out + "]";
}

bool is_router_port(const json& p) {
  const auto owner = str(p, "device_owner");
  return owner == router_interface_owner || owner == router_gateway_owner;
}

} // namespace

// -- helpers the floating IP operations share --------------------------------------

std::optional<api_result> network_api::make_service_port(network_call& c, json body,
                                                         const std::string& project,
                                                         model_edit& edit, json& created) {
  network_call service{c.call, true, c.project};
  body["project_id"] = project.empty() ? c.project : project;
  body["admin_state_up"] = true;
  body["name"] = "";
  if (auto failed = create_port_step_(service, body, edit, created))
    return failed;
  if (project.empty()) { // hidden from the tenant, as Neutron's are
    created["project_id"] = "";
    created["tenant_id"] = "";
    edit.put(kinds::port, str(created, "id"), created);
  }
  return std::nullopt;
}

void network_api::erase_port(const std::string& port_id, model_edit& edit) {
  const json* p = model_.find(kinds::port, port_id);
  if (!p)
    return;
  for (auto& ip : p->value("fixed_ips", json::array()))
    edit.drop_guard(kinds::address_guard,
                    address_guard_id(str(ip, "subnet_id"), str(ip, "ip_address")));
  for (auto& cache : rendered_ports_)
    cache.erase(port_id);
  edit.erase(kinds::port, port_id);
}

void network_api::bind_port_to(const std::string& port_id, const std::string& host,
                               model_edit& edit, int64_t now) {
  const json* p = model_.find(kinds::port, port_id);
  if (!p)
    return;
  json updated = *p;
  updated["binding:host_id"] = host;
  if (host.empty()) {
    updated["binding:vif_type"] = "unbound";
    updated["binding:vif_details"] = json::object();
    updated.erase("binding_failure");
  } else {
    const json* n = model_.find(kinds::network, str(*p, "network_id"));
    auto b = linuxbridge_driver().bind(n ? *n : json::object(), agents_.alive_on(host, now));
    updated["binding:vif_type"] = b.vif_type;
    updated["binding:vif_details"] = b.vif_details;
    if (b.failure.empty())
      updated.erase("binding_failure");
    else
      updated["binding_failure"] = b.failure;
  }
  if (str(*p, "binding:host_id") != host)
    updated["status"] = "DOWN"; // the new host's agent reports it up
  if (updated == *p)
    return;
  touch(updated, now);
  edit.put(kinds::port, port_id, updated);
}

void network_api::schedule_router(json& router, model_edit& edit, int64_t now) {
  const auto id = str(router, "id");
  std::string host = str(router, l3_host);
  if (host.empty() || !agents_.alive_on(host, now)) {
    // The live agent with the fewest routers (by host name on a tie).
    std::map<std::string, std::size_t> load;
    for (auto& [h, a] : agents_.by_host())
      if (agents_.alive(a, now))
        load[h] = 0;
    for (auto& [rid, r] : model_.routers())
      if (rid != id)
        if (auto it = load.find(str(r, l3_host)); it != load.end())
          ++it->second;
    std::string best;
    for (auto& [h, n] : load)
      if (best.empty() || n < load[best])
        best = h;
    if (!best.empty())
      host = best;
  }
  if (host != str(router, l3_host)) {
    router[l3_host] = host;
    edit.put(kinds::router, id, router);
    // The new host's agent has yet to realise the router's floating IPs.
    std::vector<std::string> active;
    for (auto& [fid, f] : model_.floatingips())
      if (str(f, "router_id") == id && str(f, "status") == "ACTIVE")
        active.push_back(fid);
    for (auto& fid : active) {
      json f = *model_.find(kinds::floatingip, fid);
      f["status"] = "DOWN";
      touch(f, now);
      edit.put(kinds::floatingip, fid, f);
    }
  }
  const std::set<std::string> ports = model_.ports_of_device(id);
  for (auto& pid : ports)
    if (const json* p = model_.find(kinds::port, pid); p && is_router_port(*p))
      bind_port_to(pid, host, edit, now);
}

api_result network_api::reschedule_routers(int64_t now) {
  model_edit edit(model_);
  std::vector<std::string> stranded;
  for (auto& [id, r] : model_.routers()) {
    const auto host = str(r, l3_host);
    if (!host.empty() && agents_.alive_on(host, now))
      continue;
    const auto& ports = model_.ports_of_device(id);
    if (std::any_of(ports.begin(), ports.end(), [&](const std::string& pid) {
          const json* p = model_.find(kinds::port, pid);
          return p && is_router_port(*p);
        }))
      stranded.push_back(id);
  }
  if (!stranded.empty()) {
    bool any_alive = false;
    for (auto& [h, a] : agents_.by_host())
      any_alive |= agents_.alive(a, now);
    if (!any_alive)
      stranded.clear(); // nowhere to go: stay put until an agent comes back
  }
  for (auto& id : stranded) {
    json router = *model_.find(kinds::router, id);
    schedule_router(router, edit, now);
  }
  return committed(json_reply(200, json::object()), edit);
}

// -- the operations ------------------------------------------------------------------

void network_api::add_router_operations() {
  auto visible = [](const network_call& c, const json& r) { return owns(c, r); };

  // The router's ports: interfaces (and the gateway, if `gateway`).
  auto router_ports = [this](const std::string& router_id, bool gateway) {
    std::vector<const json*> out;
    for (auto& pid : model_.ports_of_device(router_id)) {
      const json* p = model_.find(kinds::port, pid);
      if (p && (str(*p, "device_owner") == router_interface_owner ||
                (gateway && str(*p, "device_owner") == router_gateway_owner)))
        out.push_back(p);
    }
    return out;
  };

  // Neutron's _check_for_dup_router_subnets: a subnet once per router, and
  // no two interface subnets overlapping.
  auto check_subnets = [this, router_ports](const std::string& router_id,
                                            const std::vector<const json*>& subnets,
                                            bool gateway) -> std::optional<api_result> {
    std::vector<std::string> attached;
    for (const json* p : router_ports(router_id, true))
      for (auto& ip : p->value("fixed_ips", json::array())) {
        const auto sid = str(ip, "subnet_id");
        for (const json* s : subnets)
          if (str(*s, "id") == sid)
            return bad_router_request("Router already has a port on subnet " + sid);
        if (gateway == (str(*p, "device_owner") == router_gateway_owner))
          attached.push_back(sid);
      }
    for (auto& sid : attached) {
      const json* other = model_.find(kinds::subnet, sid);
      auto cidr = other ? ip_network::parse(str(*other, "cidr")) : std::nullopt;
      for (const json* s : subnets) {
        auto new_cidr = ip_network::parse(str(*s, "cidr"));
        if (cidr && new_cidr && cidr->overlaps(*new_cidr))
          return bad_router_request("Cidr " + str(*s, "cidr") + " of subnet " + str(*s, "id") +
                                    " overlaps with cidr " + str(*other, "cidr") +
                                    " of subnet " + sid);
      }
    }
    return std::nullopt;
  };

  // Floating IPs that reach the router's gateway.
  auto serving_floating_ips = [this](const std::string& router_id) {
    return std::any_of(model_.floatingips().begin(), model_.floatingips().end(),
                       [&](const auto& f) { return str(f.second, "router_id") == router_id; });
  };

  // Sets, moves or clears the router's gateway (external_gateway_info).
  auto set_gateway = [this, check_subnets, serving_floating_ips](
                         network_call& c, json& router, const json& info, model_edit& edit,
                         const std::string& action) -> std::optional<api_result> {
    const auto router_id = str(router, "id");
    const json old = router.value("external_gateway_info", json());
    std::string old_port;
    for (auto& pid : model_.ports_of_device(router_id))
      if (str(*model_.find(kinds::port, pid), "device_owner") == router_gateway_owner)
        old_port = pid;
    const bool clear = info.is_null() || (info.is_object() && info.empty());
    if (!clear && !info.is_object())
      return invalid_input("Invalid data format for external_gateway_info: '" + info.dump() + "'");
    if (!clear) {
      if (auto bad = unknown_attributes(info, {"network_id", "enable_snat", "external_fixed_ips"}))
        return invalid_input("Unexpected keys supplied in external_gateway_info");
      if (!c.admin)
        for (const char* key : {"enable_snat", "external_fixed_ips"})
          if (info.contains(key))
            return disallowed(action + ":external_gateway_info:" + key);
      if (info.contains("enable_snat") && !info["enable_snat"].is_boolean())
        return invalid_input("'" + info["enable_snat"].dump() + "' is not a valid boolean value");
    }
    const std::string network_id = clear ? "" : str(info, "network_id");
    if (!clear && network_id.empty())
      return invalid_input("Invalid input for external_gateway_info: network_id is required");
    const json* network = clear ? nullptr : model_.find(kinds::network, network_id);
    if (!clear && (!network || !network_visible(c, *network)))
      return not_found("network", network_id);
    if (network && !network->value("router:external", false))
      return bad_router_request("Network " + network_id + " is not an external network");
    const json ext_ips = clear ? json() : info.value("external_fixed_ips", json());
    if (!ext_ips.is_null() && !ext_ips.is_array())
      return invalid_input("Invalid data format for external_fixed_ips: '" + ext_ips.dump() + "'");
    if (ext_ips.is_array())
      for (auto& want : ext_ips)
        for (auto& sid : model_.subnets_of(network_id)) {
          const json& s = *model_.find(kinds::subnet, sid);
          if (!str(want, "ip_address").empty() && s.value("gateway_ip", json()) == want["ip_address"])
            return bad_router_request("External IP " + str(want, "ip_address") +
                                      " is the same as the gateway IP");
        }

    // The same network and no new addresses: only enable_snat may change.
    const bool same_network = !old.is_null() && str(old, "network_id") == network_id && !old_port.empty();
    bool new_addresses = false;
    if (same_network && ext_ips.is_array()) {
      const json held = model_.find(kinds::port, old_port)->value("fixed_ips", json::array());
      for (auto& want : ext_ips) {
        const bool has = std::any_of(held.begin(), held.end(), [&](const json& h) {
          return (str(want, "subnet_id").empty() || str(want, "subnet_id") == str(h, "subnet_id")) &&
                 (str(want, "ip_address").empty() || str(want, "ip_address") == str(h, "ip_address"));
        });
        new_addresses |= !has;
      }
      new_addresses |= ext_ips.size() != held.size();
    }
    if (!old_port.empty() && (!same_network || new_addresses)) {
      if (serving_floating_ips(router_id))
        return neutron_error(409, "RouterExternalGatewayInUseByFloatingIp",
                             "Gateway cannot be updated for router " + router_id +
                                 ", since a gateway to external network " +
                                 str(old, "network_id") +
                                 " is required by one or more floating IPs.");
      erase_port(old_port, edit);
      old_port.clear();
    }
    if (clear) {
      router["external_gateway_info"] = nullptr;
      return std::nullopt;
    }
    if (old_port.empty()) {
      std::vector<const json*> subnets;
      for (auto& sid : model_.subnets_of(network_id))
        subnets.push_back(model_.find(kinds::subnet, sid));
      if (auto bad = check_subnets(router_id, subnets, true))
        return bad;
      json body{{"network_id", network_id},
                {"device_id", router_id},
                {"device_owner", router_gateway_owner},
                {"binding:host_id", str(router, l3_host)}};
      if (ext_ips.is_array())
        body["fixed_ips"] = ext_ips;
      json port;
      if (auto failed = make_service_port(c, body, "", edit, port))
        return failed;
      old_port = str(port, "id");
    }
    json fixed = json::array();
    for (auto& ip : model_.find(kinds::port, old_port)->value("fixed_ips", json::array()))
      fixed.push_back({{"subnet_id", str(ip, "subnet_id")}, {"ip_address", str(ip, "ip_address")}});
    const bool snat = info.contains("enable_snat")
                          ? info["enable_snat"].get<bool>()
                          : (same_network ? old.value("enable_snat", true) : true);
    router["external_gateway_info"] = {
        {"network_id", network_id}, {"enable_snat", snat}, {"external_fixed_ips", fixed}};
    return std::nullopt;
  };

  auto create_one = [this, set_gateway](network_call& c, const json& body, model_edit& edit,
                                        json& created) -> std::optional<api_result> {
    if (auto bad = check_body(c, body, create_attributes, "create_router", {}))
      return bad;
    if (body.contains("admin_state_up") && !body["admin_state_up"].is_boolean())
      return invalid_input("'" + body["admin_state_up"].dump() + "' is not a valid boolean value");
    const std::string id = runtime::new_uuid();
    json r = standard_attributes(c, body, id);
    if (auto over = over_quota(kinds::router, str(r, "project_id")))
      return over;
    r["admin_state_up"] = body.value("admin_state_up", true);
    r["status"] = "ACTIVE";
    r["external_gateway_info"] = nullptr;
    r["routes"] = json::array();
    r["availability_zones"] = json::array();
    r["availability_zone_hints"] = json::array();
    r[l3_host] = "";
    edit.put(kinds::router, id, r); // the gateway port names it
    if (auto gw = body.find("external_gateway_info"); gw != body.end() && !gw->is_null()) {
      if (auto failed = set_gateway(c, r, *gw, edit, "create_router"))
        return failed;
      schedule_router(r, edit, c.call.now);
    }
    edit.put(kinds::router, id, r);
    created = std::move(r);
    return std::nullopt;
  };

  add("create_router", [this, create_one](network_call& c) -> api_result {
    return create_resources(c, model_, "router", create_one, render_router);
  });

  add("get_router", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("router_id");
    if (id.empty()) {
      std::vector<const json*> shown;
      for (auto& [rid, r] : model_.routers())
        if (visible(c, r))
          shown.push_back(&r);
      return list_reply(c, "routers", shown, render_router);
    }
    const json* r = model_.find(kinds::router, id);
    if (!r || !visible(c, *r))
      return router_not_found(id);
    return json_reply(200, {{"router", select_fields(c, render_router(*r))}});
  });

  add("update_router", [this, visible, set_gateway](network_call& c) -> api_result {
    const auto id = c.call.path("router_id");
    const json* r = model_.find(kinds::router, id);
    if (!r || !visible(c, *r))
      return router_not_found(id);
    const json body = c.call.body.value("router", json());
    if (auto bad = check_body(c, body, update_attributes, "update_router", {}))
      return *bad;
    if (body.contains("admin_state_up") && !body["admin_state_up"].is_boolean())
      return invalid_input("'" + body["admin_state_up"].dump() + "' is not a valid boolean value");
    model_edit edit(model_);
    json updated = *r;
    for (const char* key : {"name", "description", "admin_state_up"})
      if (body.contains(key))
        updated[key] = body[key];
    if (body.contains("external_gateway_info")) {
      if (auto failed = set_gateway(c, updated, body["external_gateway_info"], edit, "update_router"))
        return *failed;
      schedule_router(updated, edit, c.call.now);
    }
    if (body.contains("routes")) {
      const json routes = body["routes"].is_null() ? json::array() : body["routes"];
      if (!routes.is_array())
        return invalid_input("Invalid data format for hostroute: '" + routes.dump() + "'");
      if (routes.size() > max_routes)
        return neutron_error(409, "RoutesExhausted",
                             "Unable to complete operation for " + id +
                                 ". The number of routes exceeds the maximum " +
                                 std::to_string(max_routes) + ".");
      std::vector<ip_network> cidrs;
      std::set<std::string> own;
      for (auto& pid : model_.ports_of_device(id))
        for (auto& ip : model_.find(kinds::port, pid)->value("fixed_ips", json::array())) {
          own.insert(str(ip, "ip_address"));
          if (const json* s = model_.find(kinds::subnet, str(ip, "subnet_id")))
            if (auto cidr = ip_network::parse(str(*s, "cidr")))
              cidrs.push_back(*cidr);
        }
      json unique = json::array();
      for (auto& route : routes) {
        if (!route.is_object() || unknown_attributes(route, {"destination", "nexthop"}))
          return invalid_input("Invalid data format for hostroute: '" + route.dump() + "'");
        auto destination = ip_network::parse(str(route, "destination"));
        auto nexthop = ip_address::parse(str(route, "nexthop"));
        if (!destination)
          return invalid_input("'" + str(route, "destination") + "' is not a valid IP subnet");
        if (!nexthop)
          return invalid_input("'" + str(route, "nexthop") + "' is not a valid IP address");
        if (!std::any_of(cidrs.begin(), cidrs.end(),
                         [&](const ip_network& n) { return n.contains(*nexthop); }))
          return neutron_error(400, "InvalidRoutes",
                               "Invalid format for routes: " + routes_repr(routes) +
                                   ", the nexthop is not connected with router.");
        if (own.count(nexthop->str()))
          return neutron_error(400, "InvalidRoutes",
                               "Invalid format for routes: " + routes_repr(routes) +
                                   ", the nexthop is used by router.");
        json r1{{"destination", destination->str()}, {"nexthop", nexthop->str()}};
        if (std::find(unique.begin(), unique.end(), r1) == unique.end())
          unique.push_back(r1);
      }
      updated["routes"] = unique;
    }
    return put_updated(c, edit, kinds::router, id, std::move(updated), render_router);
  });

  add("delete_router", [this, visible, router_ports, serving_floating_ips](network_call& c) -> api_result {
    const auto id = c.call.path("router_id");
    const json* r = model_.find(kinds::router, id);
    if (!r || !visible(c, *r))
      return router_not_found(id);
    if (!router_ports(id, false).empty())
      return neutron_error(409, "RouterInUse", "Router " + id + " still has ports");
    if (serving_floating_ips(id))
      return neutron_error(409, "RouterExternalGatewayInUseByFloatingIp",
                           "Gateway cannot be updated for router " + id +
                               ", since a gateway to external network " +
                               str(r->value("external_gateway_info", json::object()), "network_id") +
                               " is required by one or more floating IPs.");
    model_edit edit(model_);
    for (const json* p : router_ports(id, true))
      erase_port(str(*p, "id"), edit);
    edit.erase(kinds::router, id);
    return committed(api_support::api_no_content(), edit);
  });

  // -- interfaces --------------------------------------------------------------------
  auto interface_info = [](const json& router, const json& port) {
    json subnet_ids = json::array();
    for (auto& ip : port.value("fixed_ips", json::array()))
      subnet_ids.push_back(str(ip, "subnet_id"));
    return json{{"id", str(router, "id")},
                {"tenant_id", str(port, "project_id")},
                {"project_id", str(port, "project_id")},
                {"port_id", str(port, "id")},
                {"network_id", str(port, "network_id")},
                {"subnet_id", subnet_ids.empty() ? json("") : subnet_ids[0]},
                {"subnet_ids", subnet_ids}};
  };
  // The request's {subnet_id} or {port_id} (both only when removing).
  auto read_interface = [](const json& body, bool removing, std::string& subnet_id,
                           std::string& port_id) -> std::optional<api_result> {
    if (!body.is_object())
      return neutron_error(400, "HTTPBadRequest", "Resource body required");
    subnet_id = str(body, "subnet_id");
    port_id = str(body, "port_id");
    if (subnet_id.empty() && port_id.empty())
      return bad_router_request("Either subnet_id or port_id must be specified");
    if (!removing && !subnet_id.empty() && !port_id.empty())
      return bad_router_request("Cannot specify both subnet-id and port-id");
    return std::nullopt;
  };
  auto subnet_visible = [this](const network_call& c, const json& s) {
    if (owns(c, s))
      return true;
    const json* n = model_.find(kinds::network, str(s, "network_id"));
    return n && (owns(c, *n) || n->value("shared", false));
  };

  // The router an interface request names (visible to the caller) and
  // the subnet or port it gives.
  auto interface_request = [this, visible, read_interface](
                               const network_call& c, bool removing, json& router,
                               std::string& subnet_id, std::string& port_id) -> std::optional<api_result> {
    const auto id = c.call.path("router_id");
    const json* found = model_.find(kinds::router, id);
    if (!found || !visible(c, *found))
      return router_not_found(id);
    router = *found;
    return read_interface(c.call.body, removing, subnet_id, port_id);
  };

  add("add_router_interface", [this, interface_request, check_subnets, interface_info,
                               subnet_visible](network_call& c) -> api_result {
    const auto id = c.call.path("router_id");
    json router;
    std::string subnet_id, port_id;
    if (auto bad = interface_request(c, false, router, subnet_id, port_id))
      return *bad;
    model_edit edit(model_);
    if (!port_id.empty()) {
      const json* p = model_.find(kinds::port, port_id);
      if (!p || !owns(c, *p))
        return not_found("port", port_id);
      if (!str(*p, "device_id").empty())
        return neutron_error(409, "PortInUse",
                             "Unable to complete operation on port " + port_id + " for network " +
                                 str(*p, "network_id") + ". Port already has an attached device " +
                                 str(*p, "device_id") + ".");
      const json ips = p->value("fixed_ips", json::array());
      if (ips.empty())
        return bad_router_request("Router port must have at least one fixed IP");
      std::vector<const json*> subnets;
      int v4 = 0;
      for (auto& ip : ips)
        if (const json* s = model_.find(kinds::subnet, str(ip, "subnet_id"))) {
          subnets.push_back(s);
          v4 += s->value("ip_version", 4) == 4 ? 1 : 0;
        }
      if (auto bad = check_subnets(id, subnets, false))
        return *bad;
      if (v4 > 1)
        return bad_router_request("Cannot have multiple IPv4 subnets on router port");
      json updated = *p;
      updated["device_id"] = id;
      updated["device_owner"] = router_interface_owner;
      touch(updated, c.call.now);
      edit.put(kinds::port, port_id, updated);
    } else {
      const json* s = model_.find(kinds::subnet, subnet_id);
      if (!s || !subnet_visible(c, *s))
        return not_found("subnet", subnet_id);
      if (s->value("gateway_ip", json()).is_null())
        return bad_router_request("Subnet for router interface must have a gateway IP");
      if (auto bad = check_subnets(id, {s}, false))
        return *bad;
      json port;
      json body{{"network_id", str(*s, "network_id")},
                {"device_id", id},
                {"device_owner", router_interface_owner},
                {"fixed_ips",
                 json::array({{{"subnet_id", subnet_id}, {"ip_address", str(*s, "gateway_ip")}}})}};
      if (auto failed = make_service_port(c, body, str(router, "project_id"), edit, port))
        return *failed;
      port_id = str(port, "id");
    }
    schedule_router(router, edit, c.call.now);
    touch(router, c.call.now);
    edit.put(kinds::router, id, router);
    return committed(json_reply(200, interface_info(router, *model_.find(kinds::port, port_id))),
                     edit);
  });

  add("remove_router_interface", [this, interface_request, interface_info](
                                     network_call& c) -> api_result {
    const auto id = c.call.path("router_id");
    json router;
    std::string subnet_id, port_id;
    if (auto bad = interface_request(c, true, router, subnet_id, port_id))
      return *bad;
    const json* port = nullptr;
    if (!port_id.empty()) {
      const json* p = model_.find(kinds::port, port_id);
      if (!p || str(*p, "device_id") != id || str(*p, "device_owner") != router_interface_owner)
        return neutron_error(404, "RouterInterfaceNotFound",
                             "Router " + id + " does not have an interface with id " + port_id);
      const json ips = p->value("fixed_ips", json::array());
      if (!subnet_id.empty() && std::none_of(ips.begin(), ips.end(), [&](const json& ip) {
            return str(ip, "subnet_id") == subnet_id;
          }))
        return neutron_error(400, "SubnetMismatchForPort",
                             "Subnet on port " + port_id + " does not match the requested subnet " +
                                 subnet_id + ".");
      port = p;
    } else {
      for (auto& pid : model_.ports_of_device(id)) {
        const json* p = model_.find(kinds::port, pid);
        if (!p || str(*p, "device_owner") != router_interface_owner)
          continue;
        for (auto& ip : p->value("fixed_ips", json::array()))
          if (str(ip, "subnet_id") == subnet_id)
            port = p;
      }
      if (!port)
        return neutron_error(404, "RouterInterfaceNotFoundForSubnet",
                             "Router " + id + " has no interface on subnet " + subnet_id);
    }
    // What still needs the interface's subnets: floating IPs, routes.
    std::vector<std::string> subnets;
    for (auto& ip : port->value("fixed_ips", json::array()))
      if (subnet_id.empty() || str(ip, "subnet_id") == subnet_id)
        subnets.push_back(str(ip, "subnet_id"));
    for (auto& sid : subnets) {
      const json* s = model_.find(kinds::subnet, sid);
      auto cidr = s ? ip_network::parse(str(*s, "cidr")) : std::nullopt;
      if (!cidr)
        continue;
      for (auto& [fid, f] : model_.floatingips()) {
        auto fixed = ip_address::parse(str(f, "fixed_ip_address"));
        if (str(f, "router_id") == id && fixed && cidr->contains(*fixed))
          return neutron_error(409, "RouterInterfaceInUseByFloatingIP",
                               "Router interface for subnet " + sid + " on router " + id +
                                   " cannot be deleted, as it is required by one or more "
                                   "floating IPs.");
      }
      for (auto& route : router.value("routes", json::array())) {
        auto nexthop = ip_address::parse(str(route, "nexthop"));
        if (nexthop && cidr->contains(*nexthop))
          return neutron_error(409, "RouterInterfaceInUseByRoute",
                               "Router interface for subnet " + sid + " on router " + id +
                                   " cannot be deleted, as it is required by one or more routes.");
      }
    }
    const json removed = *port; // kept for the reply
    json reply = interface_info(router, removed);
    model_edit edit(model_);
    const json ips = removed.value("fixed_ips", json::array());
    if (!subnet_id.empty() && port_id.empty() && ips.size() > 1) {
      // One of several prefixes: only that address goes.
      json updated = removed, kept = json::array();
      for (auto& ip : ips)
        if (str(ip, "subnet_id") != subnet_id)
          kept.push_back(ip);
        else
          edit.drop_guard(kinds::address_guard, address_guard_id(subnet_id, str(ip, "ip_address")));
      updated["fixed_ips"] = kept;
      touch(updated, c.call.now);
      edit.put(kinds::port, str(removed, "id"), updated);
      reply["subnet_id"] = subnet_id;
      reply["subnet_ids"] = json::array({subnet_id});
    } else {
      erase_port(str(removed, "id"), edit);
    }
    touch(router, c.call.now);
    edit.put(kinds::router, id, router);
    return committed(json_reply(200, reply), edit);
  });
}

} // namespace stratus::network
