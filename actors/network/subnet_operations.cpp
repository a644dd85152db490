// Subnets: CIDRs, gateways, allocation pools, DNS servers and host routes.
// https://docs.openstack.org/api-ref/network/v2/#subnets

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

const std::vector<std::string> subnet_attributes{
    "name",          "description",     "network_id",      "ip_version",   "cidr",
    "gateway_ip",    "allocation_pools", "dns_nameservers", "host_routes", "enable_dhcp",
    "ipv6_ra_mode",  "ipv6_address_mode", "project_id",    "tenant_id",    "subnetpool_id",
    "prefixlen",     "service_types",   "segment_id",      "dns_publish_fixed_ip",
    "use_default_subnetpool"};

struct pool {
  ip_address start, end;
};

std::string pool_text(const pool& p) {
  return p.start.str() + "-" + p.end.str();
}

/// The address before `a` (a must not be the family's first address).
ip_address previous(ip_address a) {
  for (int i = a.version == 4 ? 3 : 15; i >= 0; --i)
    if (a.bytes[static_cast<std::size_t>(i)]-- != 0)
      break;
  return a;
}

/// The pools of a subnet when none are given: every usable address but the
/// gateway (IPv4 loses the network and broadcast addresses, IPv6 the
/// subnet-router anycast address), as Neutron computes them.
std::vector<pool> default_pools(const ip_network& cidr, const std::optional<ip_address>& gateway) {
  ip_address first = cidr.first().next();
  ip_address last = cidr.last();
  const bool v4 = cidr.base.version == 4;
  if (v4) {
    if (cidr.prefix >= 31)
      return {}; // no room beside network and broadcast
    last = previous(last);
  } else if (cidr.prefix >= 127) {
    return {};
  }
  if (!gateway || !cidr.contains(*gateway) || *gateway < first || *gateway > last)
    return {{first, last}};
  std::vector<pool> out;
  if (*gateway > first)
    out.push_back({first, previous(*gateway)});
  if (*gateway < last)
    out.push_back({gateway->next(), last});
  return out;
}

json pools_json(const std::vector<pool>& pools) {
  json out = json::array();
  for (auto& p : pools)
    out.push_back({{"start", p.start.str()}, {"end", p.end.str()}});
  return out;
}

/// Reads and checks the allocation pools of `body` against the subnet.
std::optional<api_result> read_pools(const json& value, const ip_network& cidr,
                                     std::vector<pool>& out) {
  if (!value.is_array())
    return invalid_input("Invalid data format for IP pool: '" + value.dump() + "'");
  for (auto& p : value) {
    auto start = ip_address::parse(str(p, "start"));
    auto end = ip_address::parse(str(p, "end"));
    if (!p.is_object() || !start || !end)
      return invalid_input("Invalid data format for IP pool: '" + p.dump() + "'");
    if (start->version != cidr.base.version || end->version != cidr.base.version || *end < *start)
      return neutron_error(400, "InvalidAllocationPool",
                           "The allocation pool " + str(p, "start") + "-" + str(p, "end") +
                               " is not valid.");
    if (!cidr.contains(*start) || !cidr.contains(*end) || *start == cidr.first() ||
        (cidr.base.version == 4 && *end == cidr.last()))
      return neutron_error(400, "OutOfBoundsAllocationPool",
                           "The allocation pool " + pool_text({*start, *end}) +
                               " spans beyond the subnet cidr " + cidr.str() + ".");
    out.push_back({*start, *end});
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = i + 1; j < out.size(); ++j)
      if (!(out[i].end < out[j].start || out[j].end < out[i].start))
        return neutron_error(400, "OverlappingAllocationPools",
                             "Found overlapping allocation pools: " + pool_text(out[i]) + " and " +
                                 pool_text(out[j]) + " for subnet " + cidr.str() + ".");
  return std::nullopt;
}

std::optional<api_result> check_gateway(const std::optional<ip_address>& gateway,
                                        const ip_network& cidr, const std::vector<pool>& pools) {
  if (!gateway)
    return std::nullopt;
  if (gateway->version != cidr.base.version)
    return invalid_input("Gateway IP version inconsistent with allocation pool version");
  if (cidr.contains(*gateway) && (*gateway == cidr.first() ||
                                  (cidr.base.version == 4 && *gateway == cidr.last())))
    return invalid_input("Gateway is not valid on subnet " + cidr.str());
  for (auto& p : pools)
    if (!(*gateway < p.start) && !(p.end < *gateway))
      return neutron_error(409, "GatewayConflictWithAllocationPools",
                           "Gateway ip " + gateway->str() + " conflicts with allocation pool " +
                               pool_text(p));
  return std::nullopt;
}

std::optional<api_result> check_nameservers(const json& value) {
  if (!value.is_array())
    return invalid_input("'" + value.dump() + "' is not a list");
  std::set<std::string> seen;
  for (auto& d : value) {
    auto a = d.is_string() ? ip_address::parse(d.get<std::string>()) : std::nullopt;
    if (!a)
      return invalid_input("'" + d.dump() + "' is not a valid nameserver");
    if (!seen.insert(a->str()).second)
      return invalid_input("Duplicate nameserver '" + a->str() + "'");
  }
  return std::nullopt;
}

std::optional<api_result> check_routes(const json& value) {
  if (!value.is_array())
    return invalid_input("'" + value.dump() + "' is not a list");
  for (auto& r : value)
    if (!r.is_object() || !ip_network::parse(str(r, "destination")) ||
        !ip_address::parse(str(r, "nexthop")))
      return invalid_input("Invalid data format for hostroute: '" + r.dump() + "'");
  return std::nullopt;
}

/// The gateway the body asks for: absent = the first host address, null = none.
std::optional<api_result> read_gateway(const json& body, const ip_network& cidr,
                                       std::optional<ip_address>& gateway) {
  auto g = body.find("gateway_ip");
  if (g == body.end()) {
    gateway = cidr.first().next();
    if (cidr.base.version == 4 && cidr.prefix >= 31)
      gateway.reset();
    return std::nullopt;
  }
  if (g->is_null())
    return std::nullopt;
  gateway = g->is_string() ? ip_address::parse(g->get<std::string>()) : std::nullopt;
  if (!gateway)
    return invalid_input("'" + g->dump() + "' is not a valid IP address");
  return std::nullopt;
}

} // namespace

void network_api::add_subnet_operations() {
  auto visible = [this](const network_call& c, const json& s) {
    if (owns(c, s))
      return true;
    const json* n = model_.find(kinds::network, str(s, "network_id"));
    return n && network_visible(c, *n);
  };

  auto create_one = [this](network_call& c, const json& body, model_edit& edit,
                           json& created) -> std::optional<api_result> {
    if (auto bad = check_body(c, body, subnet_attributes, "create_subnet", {}))
      return bad;
    const json* n = nullptr;
    if (auto missing = named_network(c, body, n))
      return missing;
    const auto network_id = str(*n, "id");
    if (!owns(c, *n))
      return disallowed("create_subnet");
    // From a subnet pool (subnet_pool_operations.cpp), or the body's own.
    const json* from_pool = nullptr;
    std::optional<ip_network> cidr;
    if (auto bad = pool_subnet_cidr(c, body, network_id, from_pool, cidr))
      return bad;
    if (!from_pool) {
      if (!body.contains("cidr") || body["cidr"].is_null())
        return invalid_input("Bad subnet request: a subnetpool must be specified in the absence "
                             "of a cidr");
      bool host_bits = false;
      cidr = ip_network::parse(str(body, "cidr"), &host_bits);
      if (!cidr)
        return invalid_input("'" + str(body, "cidr") + "' is not a valid IP subnet");
      if (host_bits)
        return invalid_input("'" + str(body, "cidr") + "' isn't a recognized IP subnet cidr, '" +
                             cidr->str() + "' is recommended");
    }
    const auto version =
        body.value("ip_version", json(static_cast<unsigned>(from_pool ? cidr->base.version : 4)));
    if (!version.is_number_unsigned() || (version != 4 && version != 6))
      return invalid_input("'" + version.dump() + "' is not in [4, 6]");
    if (version.get<int>() != cidr->base.version)
      return invalid_input("Cidr " + cidr->str() + " does not match ip_version " +
                           version.dump());
    if (cidr->base.version == 4 && cidr->prefix == 0)
      return invalid_input("0.0.0.0/0 is not allowed as the cidr of a subnet");
    for (auto& other : model_.subnets_of(network_id)) {
      auto o = ip_network::parse(str(*model_.find(kinds::subnet, other), "cidr"));
      if (o && o->overlaps(*cidr))
        return invalid_input("Requested subnet with cidr: " + cidr->str() + " for network: " +
                             network_id + " overlaps with another subnet");
    }
    std::optional<ip_address> gateway;
    if (auto bad = read_gateway(body, *cidr, gateway))
      return bad;
    std::vector<pool> pools;
    if (body.contains("allocation_pools") && !body["allocation_pools"].is_null()) {
      if (auto bad = read_pools(body["allocation_pools"], *cidr, pools))
        return bad;
    } else {
      pools = default_pools(*cidr, gateway);
    }
    if (auto bad = check_gateway(gateway, *cidr, pools))
      return bad;
    const json dns = body.value("dns_nameservers", json::array());
    if (auto bad = check_nameservers(dns))
      return bad;
    const json routes = body.value("host_routes", json::array());
    if (auto bad = check_routes(routes))
      return bad;
    if (body.contains("enable_dhcp") && !body["enable_dhcp"].is_boolean())
      return invalid_input("'" + body["enable_dhcp"].dump() + "' is not a valid boolean value");
    for (const char* mode : {"ipv6_ra_mode", "ipv6_address_mode"}) {
      const auto m = body.value(mode, json());
      if (!m.is_null() && m != "slaac" && m != "dhcpv6-stateful" && m != "dhcpv6-stateless")
        return invalid_input("'" + m.dump() + "' is not in ['dhcpv6-stateful', "
                             "'dhcpv6-stateless', 'slaac', None]");
      if (!m.is_null() && cidr->base.version == 4)
        return invalid_input(std::string{mode} + " is not valid when ip_version is 4");
    }
    const std::string id = runtime::new_uuid();
    json s = standard_attributes(c, body, id);
    const auto project = str(s, "project_id");
    if (auto over = over_quota(kinds::subnet, project))
      return over;
    s["network_id"] = network_id;
    s["ip_version"] = cidr->base.version;
    s["cidr"] = cidr->str();
    s["gateway_ip"] = gateway ? json(gateway->str()) : json();
    s["allocation_pools"] = pools_json(pools);
    s["dns_nameservers"] = dns;
    s["host_routes"] = routes;
    s["enable_dhcp"] = body.value("enable_dhcp", true);
    s["ipv6_ra_mode"] = body.value("ipv6_ra_mode", json());
    s["ipv6_address_mode"] = body.value("ipv6_address_mode", json());
    s["subnetpool_id"] = from_pool ? json(str(*from_pool, "id")) : json();
    if (from_pool) // a second server carving the same block from the pool loses
      edit.take_guard(kinds::prefix_guard, prefix_guard_id(str(*from_pool, "id"), cidr->str()),
                      {{"subnet_id", id}});
    s["service_types"] = json::array();
    s["segment_id"] = nullptr;
    s["dns_publish_fixed_ip"] = false;
    edit.put(kinds::subnet, id, s);
    created = std::move(s);
    return std::nullopt;
  };

  add("create_subnet", [this, create_one](network_call& c) -> api_result {
    return create_resources(c, model_, "subnet", create_one,
                            [&](const json& created) { return created; });
  });

  add("get_subnet", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("subnet_id");
    if (id.empty()) {
      std::vector<const json*> shown;
      for (auto& [sid, s] : model_.subnets())
        if (visible(c, s))
          shown.push_back(&s);
      return list_reply(c, "subnets", shown, [](const json& s) { return s; });
    }
    const json* s = model_.find(kinds::subnet, id);
    if (!s || !visible(c, *s))
      return not_found("subnet", id);
    return json_reply(200, {{"subnet", select_fields(c, *s)}});
  });

  add("update_subnet", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("subnet_id");
    const json* s = model_.find(kinds::subnet, id);
    if (!s || !visible(c, *s))
      return not_found("subnet", id);
    if (!owns(c, *s))
      return disallowed("update_subnet");
    const json body = c.call.body.value("subnet", json());
    if (auto bad = check_body(c, body, subnet_attributes, "update_subnet", {}))
      return *bad;
    for (const char* fixed : {"cidr", "ip_version", "network_id", "project_id", "tenant_id"})
      if (body.contains(fixed) && body[fixed] != (*s)[fixed])
        return neutron_error(400, "HTTPBadRequest",
                             std::string{"Cannot update read-only attribute "} + fixed);
    const auto cidr = *ip_network::parse(str(*s, "cidr"));
    json updated = *s;
    std::optional<ip_address> gateway = ip_address::parse(str(*s, "gateway_ip"));
    if (body.contains("gateway_ip"))
      if (auto bad = read_gateway(body, cidr, gateway))
        return *bad;
    std::vector<pool> pools;
    if (body.contains("allocation_pools")) {
      if (auto bad = read_pools(body["allocation_pools"], cidr, pools))
        return *bad;
      updated["allocation_pools"] = pools_json(pools);
    } else {
      read_pools(updated["allocation_pools"], cidr, pools);
    }
    if (auto bad = check_gateway(gateway, cidr, pools))
      return *bad;
    updated["gateway_ip"] = gateway ? json(gateway->str()) : json();
    if (body.contains("dns_nameservers")) {
      if (auto bad = check_nameservers(body["dns_nameservers"]))
        return *bad;
      updated["dns_nameservers"] = body["dns_nameservers"];
    }
    if (body.contains("host_routes")) {
      if (auto bad = check_routes(body["host_routes"]))
        return *bad;
      updated["host_routes"] = body["host_routes"];
    }
    if (body.contains("enable_dhcp")) {
      if (!body["enable_dhcp"].is_boolean())
        return invalid_input("'" + body["enable_dhcp"].dump() + "' is not a valid boolean value");
      updated["enable_dhcp"] = body["enable_dhcp"];
    }
    for (const char* key : {"name", "description", "dns_publish_fixed_ip"})
      if (body.contains(key))
        updated[key] = body[key];
    model_edit edit(model_);
    return put_updated(c, edit, kinds::subnet, id, std::move(updated),
                       [](const json& s) { return s; });
  });

  add("delete_subnet", [this, visible](network_call& c) -> api_result {
    const auto id = c.call.path("subnet_id");
    const json* s = model_.find(kinds::subnet, id);
    if (!s || !visible(c, *s))
      return not_found("subnet", id);
    if (!owns(c, *s))
      return disallowed("delete_subnet");
    // Addresses held by the network's own (DHCP) ports are given back; any
    // other port's address keeps the subnet.
    model_edit edit(model_);
    const std::set<std::string> ports = model_.ports_of(str(*s, "network_id"));
    for (auto& pid : ports) {
      const json p = *model_.find(kinds::port, pid);
      json kept = json::array();
      for (auto& ip : p.value("fixed_ips", json::array()))
        if (str(ip, "subnet_id") != id)
          kept.push_back(ip);
      if (kept.size() == p.value("fixed_ips", json::array()).size())
        continue;
      if (str(p, "device_owner") != dhcp_owner)
        return neutron_error(409, "SubnetInUse",
                             "Unable to complete operation on subnet " + id +
                                 ": One or more ports have an IP allocation from this subnet.");
      json updated = p;
      updated["fixed_ips"] = kept;
      for (auto& ip : p["fixed_ips"])
        if (str(ip, "subnet_id") == id)
          edit.drop_guard(kinds::address_guard, address_guard_id(id, str(ip, "ip_address")));
      touch(updated, c.call.now);
      edit.put(kinds::port, pid, updated);
    }
    drop_prefix_guard(edit, *s);
    edit.erase(kinds::subnet, id);
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
