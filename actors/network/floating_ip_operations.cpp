// Floating IPs: an address of an external network (held by a port with
// device_owner network:floatingip, hidden from the tenant), associated
// with a fixed IPv4 address of a port that a router connects to that
// network; the router's host realises the NAT and reports it ACTIVE.
// https://docs.openstack.org/api-ref/network/v2/#floating-ips-floatingips

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

/// The floating IP's own port (hidden attribute).
constexpr const char* floating_port = "floating_port_id";

const std::vector<std::string> create_attributes{
    "floating_network_id", "floating_ip_address", "subnet_id",  "port_id",
    "fixed_ip_address",    "description",         "project_id", "tenant_id"};
const std::vector<std::string> update_attributes{"port_id", "fixed_ip_address", "description"};

api_result floatingip_not_found(const std::string& id) {
  return neutron_error(404, "FloatingIPNotFound", "Floating IP " + id + " could not be found");
}

/// Neutron's BadRequest(resource='floatingip').
api_result bad_floatingip_request(const std::string& why) {
  return neutron_error(400, "BadRequest", "Bad floatingip request: " + why + ".");
}

json render_floatingip(const json& f) {
  json out = f;
  out.erase(floating_port);
  return out;
}

/// The NeutronError type of an error reply ("" if none).
std::string body_error_type(const api_result& r) {
  const json b = json::parse(r.reply.body, nullptr, false);
  if (!b.is_object() || !b.contains("NeutronError") || !b["NeutronError"].is_object())
    return "";
  return str(b["NeutronError"], "type");
}

bool is_v4(const std::string& address) {
  auto a = ip_address::parse(address);
  return a && a->version == 4;
}

} // namespace

void network_api::disassociate_floating_ips(const std::string& port_id, model_edit& edit,
                                            int64_t now) {
  std::vector<std::string> associated;
  for (auto& [id, f] : model_.floatingips())
    if (str(f, "port_id") == port_id)
      associated.push_back(id);
  for (auto& id : associated) {
    json f = *model_.find(kinds::floatingip, id);
    f["port_id"] = nullptr;
    f["fixed_ip_address"] = nullptr;
    f["router_id"] = nullptr;
    f["status"] = "DOWN";
    touch(f, now);
    edit.put(kinds::floatingip, id, f);
  }
}

api_result network_api::update_floating_ip_status(const std::string& host,
                                                  const std::vector<std::string>& up,
                                                  const std::vector<std::string>& down,
                                                  int64_t now) {
  return set_statuses(model_, kinds::floatingip, up, down, now, [&](const json& f) {
    const json* r = model_.find(kinds::router, str(f, "router_id"));
    return r && str(*r, "l3_host") == host; // else not (or no longer) this host's to realise
  });
}

void network_api::add_floating_ip_operations() {
  auto visible = [](const network_call& c, const json& f) { return owns(c, f); };

  // Associates `f` with the port the request names (port_id null: none),
  // as Neutron's _check_and_get_fip_assoc: the port's fixed IPv4 address
  // (`fixed_ip_address` picks one) and the router between its subnet and
  // the floating IP's network.
  auto associate = [this](const network_call& c, json& f,
                          const json& body) -> std::optional<api_result> {
    const json port_id = body.value("port_id", json());
    const json fixed_wanted = body.value("fixed_ip_address", json());
    if (!fixed_wanted.is_null() && port_id.is_null())
      return bad_floatingip_request("fixed_ip_address cannot be specified without a port_id");
    if (port_id.is_null()) {
      if (!f["port_id"].is_null())
        f["status"] = "DOWN";
      f["port_id"] = nullptr;
      f["fixed_ip_address"] = nullptr;
      f["router_id"] = nullptr;
      return std::nullopt;
    }
    if (!port_id.is_string())
      return invalid_input("'" + port_id.dump() + "' is not a valid UUID");
    const json* p = model_.find(kinds::port, port_id.get<std::string>());
    if (!p || !(c.admin || str(*p, "project_id") == c.project))
      return not_found("port", port_id.get<std::string>());
    const auto pid = str(*p, "id");
    if (!c.admin && str(*p, "project_id") != str(f, "project_id"))
      return bad_floatingip_request("Cannot process floating IP association with Port " + pid +
                                    ", since that port is owned by a different tenant");
    std::string fixed_ip, subnet_id;
    if (!fixed_wanted.is_null()) {
      fixed_ip = fixed_wanted.is_string() ? fixed_wanted.get<std::string>() : fixed_wanted.dump();
      if (!is_v4(fixed_ip))
        return bad_floatingip_request("Cannot process floating IP association with " + fixed_ip +
                                      ", since that is not an IPv4 address");
      for (auto& ip : p->value("fixed_ips", json::array()))
        if (str(ip, "ip_address") == fixed_ip)
          subnet_id = str(ip, "subnet_id");
      if (subnet_id.empty())
        return bad_floatingip_request("Port " + pid + " does not have fixed ip " + fixed_ip);
    } else {
      std::vector<json> v4;
      for (auto& ip : p->value("fixed_ips", json::array()))
        if (is_v4(str(ip, "ip_address")))
          v4.push_back(ip);
      if (v4.empty())
        return bad_floatingip_request("Cannot add floating IP to port " + pid +
                                      " that has no fixed IPv4 addresses");
      if (v4.size() > 1)
        return bad_floatingip_request("Port " + pid +
                                      " has multiple fixed IPv4 addresses.  Must provide a "
                                      "specific IPv4 address when assigning a floating IP");
      fixed_ip = str(v4[0], "ip_address");
      subnet_id = str(v4[0], "subnet_id");
    }
    // The router with an interface on the subnet and a gateway on the
    // floating network; the one whose interface is the subnet's gateway first.
    const auto external = str(f, "floating_network_id");
    const json* subnet = model_.find(kinds::subnet, subnet_id);
    std::string router_id;
    for (auto& iid : model_.ports_of(str(*p, "network_id"))) {
      const json& i = *model_.find(kinds::port, iid);
      if (str(i, "device_owner") != router_interface_owner)
        continue;
      const auto candidate = str(i, "device_id");
      bool gateway = false;
      for (auto& gid : model_.ports_of_device(candidate)) {
        const json& g = *model_.find(kinds::port, gid);
        gateway |= str(g, "device_owner") == router_gateway_owner &&
                   str(g, "network_id") == external;
      }
      if (!gateway)
        continue;
      for (auto& ip : i.value("fixed_ips", json::array())) {
        if (str(ip, "subnet_id") != subnet_id)
          continue;
        if (subnet && subnet->value("gateway_ip", json()) == ip["ip_address"])
          router_id = candidate;
        else if (router_id.empty())
          router_id = candidate;
      }
    }
    if (router_id.empty())
      return neutron_error(404, "ExternalGatewayForFloatingIPNotFound",
                           "External network " + external + " is not reachable from subnet " +
                               subnet_id + ".  Therefore, cannot associate Port " + pid +
                               " with a Floating IP.");
    for (auto& [other_id, other] : model_.floatingips())
      if (other_id != str(f, "id") && str(other, "port_id") == pid &&
          str(other, "fixed_ip_address") == fixed_ip &&
          str(other, "floating_network_id") == external)
        return neutron_error(409, "FloatingIPPortAlreadyAssociated",
                             "Cannot associate floating IP " + str(f, "floating_ip_address") +
                                 " (" + str(f, "id") + ") with port " + pid +
                                 " using fixed IP " + fixed_ip +
                                 ", as that fixed IP already has a floating IP on external "
                                 "network " + external + ".");
    if (str(f, "port_id") != pid || str(f, "fixed_ip_address") != fixed_ip ||
        str(f, "router_id") != router_id)
      f["status"] = "DOWN"; // until the router's host realises it
    f["port_id"] = pid;
    f["fixed_ip_address"] = fixed_ip;
    f["router_id"] = router_id;
    return std::nullopt;
  };

  auto create_one = [this, associate](network_call& c, const json& body, model_edit& edit,
                                      json& created) -> std::optional<api_result> {
    if (auto bad = check_body(c, body, create_attributes, "create_floatingip", {}))
      return bad;
    const auto network_id = str(body, "floating_network_id");
    if (network_id.empty())
      return neutron_error(400, "HTTPBadRequest",
                           "Failed to parse request. Required attribute 'floating_network_id' "
                           "not specified");
    const json* n = model_.find(kinds::network, network_id);
    if (!n || !network_visible(c, *n))
      return not_found("network", network_id);
    if (!n->value("router:external", false))
      return bad_floatingip_request("Network " + network_id + " is not a valid external network");
    bool has_v4 = false;
    for (auto& sid : model_.subnets_of(network_id))
      has_v4 |= model_.find(kinds::subnet, sid)->value("ip_version", 4) == 4;
    if (!has_v4)
      return bad_floatingip_request("Network " + network_id + " does not contain any IPv4 subnet");
    const std::string id = runtime::new_uuid();
    json f = standard_attributes(c, body, id);
    f.erase("name");
    if (auto over = over_quota(kinds::floatingip, str(f, "project_id")))
      return over;

    json port_body{{"network_id", network_id},
                   {"device_id", id},
                   {"device_owner", floatingip_owner}};
    json wanted = json::object();
    if (auto a = str(body, "floating_ip_address"); !a.empty())
      wanted["ip_address"] = a;
    if (auto s = str(body, "subnet_id"); !s.empty())
      wanted["subnet_id"] = s;
    if (!wanted.empty())
      port_body["fixed_ips"] = json::array({wanted});
    json port;
    if (auto failed = make_service_port(c, port_body, "", edit, port)) {
      if (body_error_type(*failed) == "IpAddressGenerationFailure")
        return neutron_error(400, "ExternalIpAddressExhausted",
                             "Unable to find any IP address on external network " + network_id +
                                 ".");
      return failed;
    }
    std::string address;
    for (auto& ip : port.value("fixed_ips", json::array()))
      if (address.empty() && is_v4(str(ip, "ip_address")))
        address = str(ip, "ip_address");
    if (address.empty())
      return neutron_error(400, "ExternalIpAddressExhausted",
                           "Unable to find any IP address on external network " + network_id + ".");
    f["floating_ip_address"] = address;
    f["floating_network_id"] = network_id;
    f["router_id"] = nullptr;
    f["port_id"] = nullptr;
    f["fixed_ip_address"] = nullptr;
    f["status"] = "DOWN";
    f[floating_port] = str(port, "id");
    if (auto failed = associate(c, f, body))
      return failed;
    edit.put(kinds::floatingip, id, f);
    created = std::move(f);
    return std::nullopt;
  };

  add("create_floatingip", [this, create_one](network_call& c) -> api_result {
    return create_resources(c, model_, "floatingip", create_one, render_floatingip);
  });

  add("get_floatingip", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("floatingip_id");
    if (id.empty()) {
      std::vector<const json*> shown;
      for (auto& [fid, f] : model_.floatingips())
        if (visible(c, f))
          shown.push_back(&f);
      return list_reply(c, "floatingips", shown, render_floatingip);
    }
    const json* f = model_.find(kinds::floatingip, id);
    if (!f || !visible(c, *f))
      return floatingip_not_found(id);
    return json_reply(200, {{"floatingip", select_fields(c, render_floatingip(*f))}});
  });

  add("update_floatingip", [this, visible, associate](network_call& c) -> api_result {
    const auto id = c.call.path("floatingip_id");
    const json* f = model_.find(kinds::floatingip, id);
    if (!f || !visible(c, *f))
      return floatingip_not_found(id);
    const json body = c.call.body.value("floatingip", json());
    if (!body.is_object())
      return neutron_error(400, "HTTPBadRequest", "Resource body required");
    for (auto& [key, value] : body.items())
      if (std::find(create_attributes.begin(), create_attributes.end(), key) !=
              create_attributes.end() &&
          std::find(update_attributes.begin(), update_attributes.end(), key) ==
              update_attributes.end())
        return neutron_error(400, "HTTPBadRequest", "Cannot update read-only attribute " + key);
    if (auto bad = check_body(c, body, update_attributes, "update_floatingip", {}))
      return *bad;
    json updated = *f;
    if (body.contains("description"))
      updated["description"] = body["description"];
    if (body.contains("port_id") || body.contains("fixed_ip_address"))
      if (auto failed = associate(c, updated, body))
        return *failed;
    model_edit edit(model_);
    return put_updated(c, edit, kinds::floatingip, id, std::move(updated), render_floatingip);
  });

  add("delete_floatingip", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("floatingip_id");
    const json* f = model_.find(kinds::floatingip, id);
    if (!f || !visible(c, *f))
      return floatingip_not_found(id);
    model_edit edit(model_);
    erase_port(str(*f, floating_port), edit);
    edit.erase(kinds::floatingip, id);
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
