// Ports: MAC addresses, fixed IPs from the subnets' pools (IPAM), host
// binding through the mechanism driver.
// https://docs.openstack.org/api-ref/network/v2/#ports

#include <random>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

const std::vector<std::string> port_attributes{
    "name",          "description",     "network_id",      "admin_state_up",
    "mac_address",   "fixed_ips",       "device_id",       "device_owner",
    "project_id",    "tenant_id",       "binding:host_id", "binding:profile",
    "binding:vnic_type", "allowed_address_pairs", "port_security_enabled",
    "security_groups", "extra_dhcp_opts", "dns_name", "propagate_uplink_status",
    "qos_policy_id", "status"};
const std::vector<std::string> binding_attributes{"binding:host_id", "binding:vif_type",
                                                  "binding:vif_details", "binding:profile"};

bool valid_mac(const std::string& mac) {
  if (mac.size() != 17)
    return false;
  for (std::size_t i = 0; i < mac.size(); ++i)
    if (i % 3 == 2 ? mac[i] != ':' : !std::isxdigit(static_cast<unsigned char>(mac[i])))
      return false;
  // Not multicast (lowest bit of the first octet) and not all zeros.
  return (std::stoi(mac.substr(0, 2), nullptr, 16) & 1) == 0 && mac != "00:00:00:00:00:00";
}

std::string lower(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

/// A MAC from Neutron's base_mac with the last three octets random.
std::string random_mac(const std::string& base) {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::string mac = base.substr(0, 9);
  static const char digits[] = "0123456789abcdef";
  for (int octet = 0; octet < 3; ++octet) {
    const auto v = gen() & 0xff;
    mac += digits[v >> 4];
    mac += digits[v & 15];
    if (octet < 2)
      mac += ':';
  }
  return mac;
}

} // namespace

/// What creating and updating ports share: addresses, MACs and binding.
struct port_maker {
  network_api& api;
  network_call& c;
  model_edit& edit;

  network_model& model() {
    return api.model_;
  }

  /// The port's fixed IPs after `requested` (null: the defaults of a new
  /// port), keeping those of `held` that are asked for again.
  std::optional<api_result> allocate(const json& network, const json& requested,
                                     const std::string& port_id, const json& held, json& out) {
    const auto network_id = str(network, "id");
    out = json::array();
    auto holds = [&](const std::string& subnet, const std::string& ip) {
      return std::any_of(held.begin(), held.end(), [&](const json& h) {
        return str(h, "subnet_id") == subnet && str(h, "ip_address") == ip;
      });
    };
    auto take = [&](const std::string& subnet, const ip_address& a) {
      out.push_back({{"subnet_id", subnet}, {"ip_address", a.str()}});
      if (!holds(subnet, a.str()))
        edit.take_guard(kinds::address_guard, address_guard_id(subnet, a.str()),
                        {{"port_id", port_id}});
    };
    if (requested.is_null()) {
      // One address from the first IPv4 subnet with room, one from the
      // first IPv6 subnet.
      bool had_v4 = false, got_v4 = false, got_v6 = false;
      for (auto& sid : model().subnets_of(network_id)) {
        const json& s = *model().find(kinds::subnet, sid);
        const bool v4 = s.value("ip_version", 4) == 4;
        had_v4 |= v4;
        if ((v4 && got_v4) || (!v4 && got_v6))
          continue;
        if (auto a = model().free_address(s)) {
          take(sid, *a);
          (v4 ? got_v4 : got_v6) = true;
        }
      }
      if (had_v4 && !got_v4)
        return neutron_error(409, "IpAddressGenerationFailure",
                             "No more IP addresses available on network " + network_id + ".");
      return std::nullopt;
    }
    if (!requested.is_array())
      return invalid_input("Invalid data format for fixed IP: '" + requested.dump() + "'");
    for (auto& want : requested) {
      if (!want.is_object())
        return invalid_input("Invalid data format for fixed IP: '" + want.dump() + "'");
      std::string subnet_id = str(want, "subnet_id");
      const json* subnet = nullptr;
      if (!subnet_id.empty()) {
        subnet = model().find(kinds::subnet, subnet_id);
        if (!subnet || str(*subnet, "network_id") != network_id)
          return invalid_input("Failed to create port on network " + network_id +
                               ", because fixed_ips included invalid subnet " + subnet_id);
      }
      if (!want.contains("ip_address")) {
        if (!subnet)
          return invalid_input("Invalid data format for fixed IP: '" + want.dump() + "'");
        auto a = model().free_address(*subnet);
        if (!a)
          return neutron_error(409, "IpAddressGenerationFailure",
                               "No more IP addresses available for subnet " + subnet_id + ".");
        take(subnet_id, *a);
        continue;
      }
      auto a = ip_address::parse(str(want, "ip_address"));
      if (!a)
        return invalid_input("'" + want["ip_address"].dump() + "' is not a valid IP address");
      if (!subnet) {
        for (auto& sid : model().subnets_of(network_id)) {
          auto cidr = ip_network::parse(str(*model().find(kinds::subnet, sid), "cidr"));
          if (cidr && cidr->contains(*a)) {
            subnet_id = sid;
            subnet = model().find(kinds::subnet, sid);
            break;
          }
        }
        if (!subnet)
          return invalid_input("IP address " + a->str() +
                               " is not a valid IP for any of the subnets on the specified network");
      }
      auto cidr = ip_network::parse(str(*subnet, "cidr"));
      if (!cidr || !cidr->contains(*a) || *a == cidr->first() ||
          (cidr->base.version == 4 && *a == cidr->last()))
        return neutron_error(400, "InvalidIpForSubnet",
                             "IP address " + a->str() + " is not a valid IP for the specified subnet.");
      const std::string* holder = model().address_holder(subnet_id, *a);
      if ((holder && *holder != port_id) ||
          std::any_of(out.begin(), out.end(), [&](const json& o) {
            return str(o, "ip_address") == a->str() && str(o, "subnet_id") == subnet_id;
          }))
        return neutron_error(409, "IpAddressAlreadyAllocated",
                             "IP address " + a->str() + " already allocated in subnet " +
                                 subnet_id);
      take(subnet_id, *a);
    }
    return std::nullopt;
  }

  /// Gives back the addresses of `held` that `kept` no longer has.
  void release(const json& held, const json& kept) {
    for (auto& h : held)
      if (std::find(kept.begin(), kept.end(), h) == kept.end())
        edit.drop_guard(kinds::address_guard,
                        address_guard_id(str(h, "subnet_id"), str(h, "ip_address")));
  }

  /// Binds `port` to its binding:host_id (unbound if none).
  void bind(json& port, const json& network) {
    const auto host = str(port, "binding:host_id");
    if (host.empty()) {
      port["binding:vif_type"] = "unbound";
      port["binding:vif_details"] = json::object();
      port.erase("binding_failure");
      return;
    }
    auto b = linuxbridge_driver().bind(network, api.agents_.alive_on(host, c.call.now));
    port["binding:vif_type"] = b.vif_type;
    port["binding:vif_details"] = b.vif_details;
    if (b.failure.empty())
      port.erase("binding_failure");
    else
      port["binding_failure"] = b.failure; // kept for the compute role's fault
  }

  /// The port's security groups: those asked for (each the project's), or
  /// the project's default group when port security is on; network-owned
  /// ports (DHCP, routers) get none unless asked, as in Neutron.
  std::optional<api_result> groups(const json& requested, bool port_security,
                                   const std::string& project, const std::string& owner,
                                   json& out) {
    out = json::array();
    if (requested.is_null()) {
      if (port_security && owner.rfind("network:", 0) != 0)
        out.push_back(api.ensure_default_group(project, edit, c.call.now));
      return std::nullopt;
    }
    if (!requested.is_array())
      return invalid_input("'" + requested.dump() + "' is not a list");
    for (auto& g : requested) {
      const json* group = g.is_string() ? model().find(kinds::security_group, g.get<std::string>())
                                        : nullptr;
      if (!group || (!c.admin && str(*group, "project_id") != project))
        return neutron_error(404, "SecurityGroupNotFound",
                             "Security group " + (g.is_string() ? g.get<std::string>() : g.dump()) +
                                 " does not exist");
      if (std::find(out.begin(), out.end(), g) == out.end())
        out.push_back(g);
    }
    if (!out.empty() && !port_security)
      return neutron_error(409, "PortSecurityAndIPRequiredForSecurityGroups",
                           "Port security must be enabled and port must have an IP address in "
                           "order to use security groups.");
    return std::nullopt;
  }

  std::optional<api_result> check_pairs(const json& pairs) {
    if (!pairs.is_array())
      return invalid_input("'" + pairs.dump() + "' is not a list");
    for (auto& p : pairs) {
      const auto ip = str(p, "ip_address");
      if (!p.is_object() || (!ip_address::parse(ip) && !ip_network::parse(ip)))
        return invalid_input("'" + p.dump() + "' is not a valid address pair");
      if (p.contains("mac_address") && !valid_mac(lower(str(p, "mac_address"))))
        return invalid_input("'" + str(p, "mac_address") + "' is not a valid MAC address");
    }
    return std::nullopt;
  }
};

void network_api::add_port_operations() {
  auto visible = [this](const network_call& c, const json& p) {
    if (owns(c, p))
      return true;
    const json* n = model_.find(kinds::network, str(p, "network_id"));
    return n && owns(c, *n); // the network's owner sees every port on it
  };
  auto render = [](const network_call& c, const json& p) {
    json out = p;
    out.erase("binding_failure");
    out.erase(made_for_instance);
    if (!c.admin)
      for (auto& a : binding_attributes)
        out.erase(a);
    return out;
  };

  auto create_one = [this](network_call& c, const json& body, model_edit& edit,
                           json& created) -> std::optional<api_result> {
    if (auto bad = check_body(c, body, port_attributes, "create_port",
                              {"binding:host_id", "binding:profile"}))
      return bad;
    const json* n = nullptr;
    if (auto missing = named_network(c, body, n))
      return missing;
    const auto network_id = str(*n, "id");
    const std::string id = runtime::new_uuid();
    json p = standard_attributes(c, body, id);
    const auto project = str(p, "project_id");
    // Visible is not enough (external networks are visible to all): only
    // the network's project puts ports on a network that is not shared.
    if (!c.admin && !n->value("shared", false) && str(*n, "project_id") != project)
      return neutron_error(403, "HTTPForbidden",
                           "Tenant " + project + " not allowed to create port on this network");
    if (auto over = over_quota(kinds::port, project))
      return over;
    for (const char* key : {"admin_state_up", "port_security_enabled"})
      if (body.contains(key) && !body[key].is_boolean())
        return invalid_input("'" + body[key].dump() + "' is not a valid boolean value");
    port_maker make{*this, c, edit};
    std::string mac;
    if (body.contains("mac_address") && !body["mac_address"].is_null()) {
      mac = lower(str(body, "mac_address"));
      if (!valid_mac(mac))
        return invalid_input("'" + body["mac_address"].dump() + "' is not a valid MAC address");
      if (model_.mac_in_use(network_id, mac))
        return neutron_error(409, "MacAddressInUse",
                             "Unable to complete operation for network " + network_id +
                                 ". The mac address " + mac + " is in use.");
    } else {
      do
        mac = random_mac(settings_.base_mac);
      while (model_.mac_in_use(network_id, mac));
    }
    json fixed_ips;
    if (auto bad = make.allocate(*n, body.contains("fixed_ips") ? body["fixed_ips"] : json(), id,
                                 json::array(), fixed_ips))
      return bad;
    const bool port_security =
        body.value("port_security_enabled", n->value("port_security_enabled", true));
    json pairs = body.value("allowed_address_pairs", json::array());
    if (auto bad = make.check_pairs(pairs))
      return bad;
    if (!pairs.empty() && !port_security)
      return neutron_error(409, "AddressPairAndPortSecurityRequired",
                           "Port Security must be enabled in order to have allowed address pairs "
                           "on a port.");
    for (auto& pair : pairs)
      if (!pair.contains("mac_address"))
        pair["mac_address"] = mac;
    p["network_id"] = network_id;
    p["mac_address"] = mac;
    p["admin_state_up"] = body.value("admin_state_up", true);
    p["status"] = "DOWN";
    p["device_id"] = body.value("device_id", "");
    p["device_owner"] = body.value("device_owner", "");
    p["fixed_ips"] = fixed_ips;
    p["allowed_address_pairs"] = pairs;
    p["extra_dhcp_opts"] = body.value("extra_dhcp_opts", json::array());
    json security_groups;
    if (auto bad = make.groups(body.value("security_groups", json()), port_security, project,
                               str(body, "device_owner"), security_groups))
      return bad;
    p["security_groups"] = security_groups;
    p["port_security_enabled"] = port_security;
    p["dns_name"] = body.value("dns_name", "");
    p["propagate_uplink_status"] = body.value("propagate_uplink_status", false);
    p["qos_policy_id"] = nullptr;
    p["ip_allocation"] = "immediate";
    p["binding:host_id"] = body.value("binding:host_id", "");
    p["binding:profile"] = body.value("binding:profile", json::object());
    p["binding:vnic_type"] = body.value("binding:vnic_type", "normal");
    make.bind(p, *n);
    edit.put(kinds::port, id, p);
    created = std::move(p);
    return std::nullopt;
  };

  create_port_step_ = create_one;
  add("create_port", [this, create_one, render](network_call& c) -> api_result {
    return create_resources(c, model_, "port", create_one,
                            [&](const json& created) { return render(c, created); });
  });

  add("get_port", [this, visible, render](network_call& c) -> api_result {
    const auto id = c.call.path("port_id");
    if (id.empty()) {
      // A network filter narrows the candidates through the index first:
      // listing one network's ports costs that network's ports only.
      std::vector<const json*> shown;
      const auto* network = c.call.query("network_id");
      bool single_network = network != nullptr;
      for (auto& q : c.call.req.query)
        if (q.name == "network_id" && q.value != *network)
          single_network = false;
      if (single_network) {
        for (auto& pid : model_.ports_of(*network))
          if (const json* p = model_.find(kinds::port, pid); p && visible(c, *p))
            shown.push_back(p);
      } else {
        for (auto& [pid, p] : model_.ports())
          if (visible(c, p))
            shown.push_back(&p);
      }
      auto& cache = rendered_ports_[c.admin ? 1 : 0];
      return list_reply(
          c, "ports", shown, [&](const json& p) { return render(c, p); },
          [&](const json& p) -> const std::string& {
            auto& slot = cache[str(p, "id")];
            const int64_t revision = p.value("revision_number", int64_t{0});
            if (slot.revision != revision) {
              slot.text = render(c, p).dump();
              slot.revision = revision;
            }
            return slot.text;
          });
    }
    const json* p = model_.find(kinds::port, id);
    if (!p || !visible(c, *p))
      return not_found("port", id);
    return json_reply(200, {{"port", select_fields(c, render(c, *p))}});
  });

  add("update_port", [this, visible, render](network_call& c) -> api_result {
    const auto id = c.call.path("port_id");
    const json* p = model_.find(kinds::port, id);
    if (!p || !visible(c, *p))
      return not_found("port", id);
    const json body = c.call.body.value("port", json());
    if (auto bad = check_body(c, body, port_attributes, "update_port",
                              {"binding:host_id", "binding:profile", "status"}))
      return *bad;
    if (body.contains("network_id") && body["network_id"] != (*p)["network_id"])
      return neutron_error(400, "HTTPBadRequest", "Cannot update read-only attribute network_id");
    const json& network = *model_.find(kinds::network, str(*p, "network_id"));
    model_edit edit(model_);
    port_maker make{*this, c, edit};
    json updated = *p;
    for (const char* key : {"name", "description", "admin_state_up", "device_id", "device_owner",
                            "binding:profile", "extra_dhcp_opts", "dns_name",
                            "binding:vnic_type", "status"})
      if (body.contains(key))
        updated[key] = body[key];
    if (body.contains("mac_address")) {
      const auto mac = lower(str(body, "mac_address"));
      if (!valid_mac(mac))
        return invalid_input("'" + body["mac_address"].dump() + "' is not a valid MAC address");
      if (mac != str(*p, "mac_address")) {
        if (!c.admin)
          return disallowed("update_port:mac_address");
        if (str(*p, "binding:vif_type") != "unbound")
          return neutron_error(409, "PortBound",
                               "Unable to complete operation on port " + id +
                                   ", port is already bound, port type: " +
                                   str(*p, "binding:vif_type") + ", old_mac " +
                                   str(*p, "mac_address") + ", new_mac " + mac + ".");
        if (model_.mac_in_use(str(*p, "network_id"), mac))
          return neutron_error(409, "MacAddressInUse",
                               "Unable to complete operation for network " +
                                   str(*p, "network_id") + ". The mac address " + mac +
                                   " is in use.");
        updated["mac_address"] = mac;
      }
    }
    if (body.contains("fixed_ips")) {
      json fixed_ips;
      const json held = p->value("fixed_ips", json::array());
      if (auto bad = make.allocate(network, body["fixed_ips"], id, held, fixed_ips))
        return *bad;
      make.release(held, fixed_ips);
      updated["fixed_ips"] = fixed_ips;
    }
    if (body.contains("port_security_enabled")) {
      if (!body["port_security_enabled"].is_boolean())
        return invalid_input("'" + body["port_security_enabled"].dump() +
                             "' is not a valid boolean value");
      updated["port_security_enabled"] = body["port_security_enabled"];
    }
    if (body.contains("allowed_address_pairs")) {
      json pairs = body["allowed_address_pairs"].is_null() ? json::array()
                                                           : body["allowed_address_pairs"];
      if (auto bad = make.check_pairs(pairs))
        return *bad;
      for (auto& pair : pairs)
        if (!pair.contains("mac_address"))
          pair["mac_address"] = updated["mac_address"];
      updated["allowed_address_pairs"] = pairs;
    }
    if (body.contains("security_groups")) {
      json security_groups;
      const json requested = body["security_groups"].is_null() ? json::array()
                                                               : body["security_groups"];
      if (auto bad = make.groups(requested, updated.value("port_security_enabled", true),
                                 str(*p, "project_id"), str(updated, "device_owner"),
                                 security_groups))
        return *bad;
      updated["security_groups"] = security_groups;
    } else if (!updated.value("port_security_enabled", true) &&
               !updated.value("security_groups", json::array()).empty()) {
      return neutron_error(409, "PortSecurityPortHasSecurityGroup",
                           "Port has security group associated. Cannot disable port security "
                           "or IP address until security group is removed");
    }
    if (!updated["allowed_address_pairs"].empty() && !updated.value("port_security_enabled", true))
      return neutron_error(409, "AddressPairAndPortSecurityRequired",
                           "Port Security must be enabled in order to have allowed address pairs "
                           "on a port.");
    if (body.contains("binding:host_id")) {
      updated["binding:host_id"] = body["binding:host_id"].is_null() ? json("")
                                                                       : body["binding:host_id"];
      if (updated["binding:host_id"] != (*p)["binding:host_id"])
        updated["status"] = "DOWN"; // the new host's agent reports it up
    }
    make.bind(updated, network);
    return put_updated(c, edit, kinds::port, id, std::move(updated),
                       [&](const json& p) { return render(c, p); });
  });

  add("delete_port", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("port_id");
    const json* p = model_.find(kinds::port, id);
    if (!p || !visible(c, *p))
      return not_found("port", id);
    // Routers' and floating IPs' ports go through their own API (Neutron's
    // prevent_l3_port_deletion), while their owner exists.
    const auto owner = str(*p, "device_owner");
    if ((owner == router_interface_owner || owner == router_gateway_owner ||
         owner == floatingip_owner) &&
        !p->value("fixed_ips", json::array()).empty() &&
        model_.find(owner == floatingip_owner ? kinds::floatingip : kinds::router,
                    str(*p, "device_id")))
      return neutron_error(409, "ServicePortInUse",
                           "Port " + id + " cannot be deleted directly via the port API: has "
                           "device owner " + owner + ".");
    for (auto& cache : rendered_ports_)
      cache.erase(id);
    model_edit edit(model_);
    disassociate_floating_ips(id, edit, c.call.now);
    port_maker{*this, c, edit}.release(p->value("fixed_ips", json::array()), json::array());
    edit.erase(kinds::port, id);
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
