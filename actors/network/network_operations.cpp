// Networks, with ML2's provider attributes and segment allocation.
// https://docs.openstack.org/api-ref/network/v2/#networks

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

const std::vector<std::string> network_attributes{
    "name",           "description",         "admin_state_up", "shared",
    "router:external", "mtu",                "port_security_enabled",
    "provider:network_type", "provider:physical_network", "provider:segmentation_id",
    "project_id",     "tenant_id",           "availability_zone_hints", "dns_domain",
    "is_default",     "qos_policy_id"};
const std::vector<std::string> provider_attributes{
    "provider:network_type", "provider:physical_network", "provider:segmentation_id"};

/// The largest MTU a network of `type` can carry over the physical one:
/// tunnels lose their headers (VXLAN 50 bytes, GRE 42), as Neutron counts.
unsigned max_mtu(const std::string& type, unsigned physnet_mtu) {
  if (type == "vxlan")
    return physnet_mtu - 50;
  if (type == "gre")
    return physnet_mtu - 42;
  return physnet_mtu;
}

/// Neutron's messages for a segment that another network has.
std::string in_use_message(const segment& s) {
  if (s.network_type == "flat")
    return "Unable to create the flat network. Physical network " + s.physical_network +
           " is in use.";
  if (s.network_type == "vlan")
    return "Unable to create the network. The VLAN " + std::to_string(s.segmentation_id) +
           " on physical network " + s.physical_network + " is in use.";
  return "Unable to create the network. The tunnel ID " + std::to_string(s.segmentation_id) +
         " is in use.";
}

std::optional<api_result> check_boolean(const json& body, const char* key) {
  auto it = body.find(key);
  if (it != body.end() && !it->is_boolean())
    return invalid_input(std::string{"'"} + it->dump() + "' is not a valid boolean value for " +
                         key);
  return std::nullopt;
}

} // namespace

void network_api::add_network_operations() {
  // What the caller sees of a network: provider attributes for admins
  // only (Neutron's policy), the subnet list from the index.
  auto render = [this](const network_call& c, const json& n) {
    json out = n;
    json subnets = json::array();
    for (auto& id : model_.subnets_of(str(n, "id")))
      subnets.push_back(id);
    out["subnets"] = subnets;
    if (!c.admin)
      for (auto& a : provider_attributes)
        out.erase(a);
    return out;
  };

  auto create_one = [this](network_call& c, const json& body, model_edit& edit,
                           json& created) -> std::optional<api_result> {
    if (auto bad = check_body(c, body, network_attributes, "create_network",
                              {"shared", "router:external", "provider:network_type",
                               "provider:physical_network", "provider:segmentation_id"}))
      return bad;
    for (const char* key : {"admin_state_up", "shared", "router:external", "port_security_enabled"})
      if (auto bad = check_boolean(body, key))
        return bad;
    const std::string id = runtime::new_uuid();
    json n = standard_attributes(c, body, id);
    if (str(body, "name").size() > 255)
      return invalid_input("'" + str(body, "name") + "' exceeds maximum length of 255");
    const auto project = str(n, "project_id");
    if (auto over = over_quota(kinds::network, project))
      return over;

    // The segment: the admin's provider attributes, checked by the type's
    // driver, or one the tenant type's driver allocates.
    segment s;
    s.network_type = str(body, "provider:network_type");
    s.physical_network = str(body, "provider:physical_network");
    if (auto sid = body.find("provider:segmentation_id"); sid != body.end() && !sid->is_null()) {
      if (sid->is_number_unsigned())
        s.segmentation_id = sid->get<uint32_t>();
      else if (sid->is_string() && !sid->get<std::string>().empty() &&
               sid->get<std::string>().find_first_not_of("0123456789") == std::string::npos &&
               sid->get<std::string>().size() < 11)
        s.segmentation_id = static_cast<uint32_t>(std::stoull(sid->get<std::string>()));
      else
        return invalid_input("'" + sid->dump() + "' is not an integer");
    }
    const bool provider = !s.network_type.empty();
    if (!provider && (!s.physical_network.empty() || s.segmentation_id != 0))
      return invalid_input("provider:network_type required");
    type_driver* driver = model_.driver(provider ? s.network_type : settings_.tenant_network_type);
    if (!driver)
      return invalid_input("network_type value '" + s.network_type + "' not supported");
    const bool tunnel_or_vlan = s.network_type == "vlan" || s.network_type == "vxlan" ||
                                s.network_type == "gre";
    if (provider && !(tunnel_or_vlan && s.segmentation_id == 0)) {
      if (auto why = driver->validate(s))
        return invalid_input(*why);
      if (!driver->reserve(s))
        return neutron_error(409, s.network_type == "flat" ? "FlatNetworkInUse"
                                  : s.network_type == "vlan" ? "VlanIdInUse"
                                                             : "TunnelIdInUse",
                             in_use_message(s));
    } else {
      // A tenant network, or a provider vlan/tunnel without an id: the
      // driver picks a free segment from its ranges.
      if (provider && !s.physical_network.empty())
        if (auto why = driver->validate({s.network_type, s.physical_network, 1}))
          return invalid_input(*why);
      auto allocated = driver->allocate_tenant_segment();
      if (!allocated)
        return neutron_error(503, "NoNetworkAvailable",
                             "Unable to create the network. No tenant network is available for "
                             "allocation.");
      if (provider && !s.physical_network.empty() &&
          allocated->physical_network != s.physical_network) {
        driver->release(*allocated); // the free id is on another physical network
        return neutron_error(503, "NoNetworkAvailable",
                             "Unable to create the network. No tenant network is available for "
                             "allocation.");
      }
      s = *allocated;
    }
    n["provider:network_type"] = s.network_type;
    n["provider:physical_network"] = s.physical_network.empty() ? json() : json(s.physical_network);
    n["provider:segmentation_id"] = s.segmentation_id == 0 ? json() : json(s.segmentation_id);
    const unsigned mtu_max = max_mtu(s.network_type, settings_.global_physnet_mtu);
    unsigned mtu = mtu_max;
    if (auto m = body.find("mtu"); m != body.end() && !m->is_null()) {
      if (!m->is_number_unsigned() || m->get<uint64_t>() < 68)
        mtu = 0;
      else if (m->get<uint64_t>() > mtu_max) {
        driver->release(s);
        return invalid_input("Requested MTU is too big, maximum is " + std::to_string(mtu_max));
      } else
        mtu = m->get<unsigned>();
      if (mtu == 0) {
        driver->release(s);
        return invalid_input("'" + m->dump() + "' is not a valid MTU");
      }
    }
    n["mtu"] = mtu;
    n["admin_state_up"] = body.value("admin_state_up", true);
    n["shared"] = body.value("shared", false);
    n["router:external"] = body.value("router:external", false);
    n["port_security_enabled"] = body.value("port_security_enabled", true);
    n["status"] = "ACTIVE";
    n["availability_zone_hints"] = body.value("availability_zone_hints", json::array());
    n["availability_zones"] = json::array({"nova"});
    n["ipv4_address_scope"] = nullptr;
    n["ipv6_address_scope"] = nullptr;
    n["l2_adjacency"] = true;
    n["is_default"] = body.value("is_default", false);
    n["dns_domain"] = body.value("dns_domain", "");
    n["qos_policy_id"] = nullptr;
    edit.put(kinds::network, id, n); // the model takes the segment (already reserved)
    if (s.segmentation_id != 0 || s.network_type == "flat")
      edit.take_guard(kinds::segment_guard, segment_guard_id(s), {{"network_id", id}});
    created = std::move(n);
    return std::nullopt;
  };

  add("create_network", [this, create_one, render](network_call& c) -> api_result {
    return create_resources(c, model_, "network", create_one,
                            [&](const json& created) { return render(c, created); });
  });

  add("get_network", [this, render](network_call& c) -> api_result {
    const auto id = c.call.path("network_id");
    if (id.empty()) {
      std::vector<const json*> visible;
      for (auto& [nid, n] : model_.networks())
        if (network_visible(c, n))
          visible.push_back(&n);
      return list_reply(c, "networks", visible, [&](const json& n) { return render(c, n); });
    }
    const json* n = model_.find(kinds::network, id);
    if (!n || !network_visible(c, *n))
      return not_found("network", id);
    return json_reply(200, {{"network", select_fields(c, render(c, *n))}});
  });

  add("update_network", [this, render](network_call& c) -> api_result {
    const auto id = c.call.path("network_id");
    const json* n = model_.find(kinds::network, id);
    if (!n || !network_visible(c, *n))
      return not_found("network", id);
    if (!owns(c, *n))
      return disallowed("update_network");
    const json body = c.call.body.value("network", json());
    if (auto bad = check_body(c, body, network_attributes, "update_network",
                              {"shared", "router:external"}))
      return *bad;
    for (auto& a : provider_attributes)
      if (body.contains(a) && body[a] != (*n)[a])
        return invalid_input("Plugin does not support updating provider attributes");
    for (const char* key : {"admin_state_up", "shared", "router:external", "port_security_enabled"})
      if (auto bad = check_boolean(body, key))
        return *bad;
    json updated = *n;
    for (const char* key : {"name", "description", "admin_state_up", "shared", "router:external",
                            "port_security_enabled", "dns_domain", "is_default"})
      if (body.contains(key))
        updated[key] = body[key];
    if (auto m = body.find("mtu"); m != body.end()) {
      const unsigned mtu_max =
          max_mtu(str(*n, "provider:network_type"), settings_.global_physnet_mtu);
      if (!m->is_number_unsigned() || m->get<uint64_t>() < 68 || m->get<uint64_t>() > mtu_max)
        return invalid_input("Requested MTU is too big, maximum is " + std::to_string(mtu_max));
      updated["mtu"] = *m;
    }
    model_edit edit(model_);
    return put_updated(c, edit, kinds::network, id, std::move(updated),
                       [&](const json& n) { return render(c, n); });
  });

  add("delete_network", [this](network_call& c) -> api_result {
    const auto id = c.call.path("network_id");
    const json* n = model_.find(kinds::network, id);
    if (!n || !network_visible(c, *n))
      return not_found("network", id);
    if (!owns(c, *n))
      return disallowed("delete_network");
    // Ports the network itself owns (DHCP) go with it; any other is a user's.
    model_edit edit(model_);
    const std::set<std::string> ports = model_.ports_of(id);
    for (auto& pid : ports) {
      const json* p = model_.find(kinds::port, pid);
      if (p && str(*p, "device_owner") != dhcp_owner)
        return neutron_error(409, "NetworkInUse",
                             "Unable to complete operation on network " + id +
                                 ". There are one or more ports still in use on the network.");
    }
    for (auto& pid : ports) {
      for (auto& ip : model_.find(kinds::port, pid)->value("fixed_ips", json::array()))
        edit.drop_guard(kinds::address_guard,
                        address_guard_id(str(ip, "subnet_id"), str(ip, "ip_address")));
      edit.erase(kinds::port, pid);
      for (auto& cache : rendered_ports_)
        cache.erase(pid);
    }
    const std::set<std::string> subnets = model_.subnets_of(id);
    for (auto& sid : subnets) {
      drop_prefix_guard(edit, *model_.find(kinds::subnet, sid));
      edit.erase(kinds::subnet, sid);
    }
    const segment s = segment_of(*n);
    if (s.segmentation_id != 0 || s.network_type == "flat")
      edit.drop_guard(kinds::segment_guard, segment_guard_id(s));
    edit.erase(kinds::network, id);
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
