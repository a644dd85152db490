// Subnet pools (subnet_allocation, default-subnetpools, subnetpool-prefix-ops):
// pools of prefixes subnets are carved from, and the subnet side of it.
// https://docs.openstack.org/api-ref/network/v2/#subnet-pools
//
// A pool keeps its prefixes compacted (fewest CIDRs, as Neutron's IPSet
// does). A subnet from a pool gets the first block of `prefixlen` from the
// smallest free block that holds one (Neutron's SubnetAllocator); each
// subnet writes a create-only guard "<pool>/<cidr>", so two servers racing
// for the same block cannot both have it.

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"
#include "actors/network/subnet_allocator.hpp"
#include "runtime/random_id.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

const std::vector<std::string> pool_attributes{
    "name",          "description",   "project_id",
    "tenant_id",     "prefixes",      "default_prefixlen",
    "min_prefixlen", "max_prefixlen", "default_quota",
    "shared",        "is_default",    "address_scope_id"};

int width(int version) {
  return version == 4 ? 32 : 128;
}

api_result pool_not_found(const std::string& id) {
  return neutron_error(404, "SubnetPoolNotFound", "Subnet pool " + id + " could not be found.");
}

/// neutron-lib's BadRequest: "Bad <resource> request: <why>."
api_result bad_request(const std::string& resource, const std::string& why) {
  return neutron_error(400, "BadRequest", "Bad " + resource + " request: " + why + ".");
}

api_result illegal_prefix_update(const std::string& why) {
  return neutron_error(400, "IllegalSubnetPoolPrefixUpdate",
                       "Illegal update to prefixes: " + why + ".");
}

api_result allocation_error(const std::string& why) {
  // Neutron answers 500 here (SubnetAllocationError is a bare
  // NeutronException); a full pool is the caller's problem, so 409.
  return neutron_error(409, "SubnetAllocationError", "Failed to allocate subnet: " + why + ".");
}

/// A non-negative integer attribute (a number or its digits, as Neutron's
/// convert_to_int takes them); null reads as unset.
std::optional<api_result> read_count(const json& value, std::optional<int64_t>& out) {
  out.reset();
  if (value.is_null())
    return std::nullopt;
  if (value.is_number_integer()) {
    out = value.get<int64_t>();
  } else if (value.is_string()) {
    const auto& t = value.get<std::string>();
    const auto digits = t.empty() || t[0] != '-' ? t : t.substr(1);
    if (digits.empty() || digits.size() > 12 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return invalid_input("'" + t + "' is not an integer");
    out = std::stoll(t);
  } else {
    return invalid_input("'" + value.dump() + "' is not an integer");
  }
  if (*out < 0)
    return invalid_input("'" + std::to_string(*out) + "' should be non-negative");
  return std::nullopt;
}

/// One CIDR as Neutron's subnet validator takes it.
std::optional<api_result> read_cidr(const json& value, ip_network& out) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  bool host_bits = false;
  auto n = value.is_string() ? ip_network::parse(text, &host_bits) : std::nullopt;
  if (!n)
    return invalid_input("'" + text + "' is not a valid IP subnet");
  if (host_bits)
    return invalid_input("'" + text + "' isn't a recognized IP subnet cidr, '" + n->str() +
                         "' is recommended");
  out = *n;
  return std::nullopt;
}

/// A prefix list: every item a CIDR, all of one IP version; compacted.
std::optional<api_result> read_prefixes(const json& value, std::vector<ip_network>& out) {
  json items = value.is_string() ? json::array({value}) : value; // convert_to_list
  if (!items.is_array())
    return invalid_input("'" + value.dump() + "' is not a list");
  if (items.empty())
    return neutron_error(400, "EmptySubnetPoolPrefixList", "Empty subnet pool prefix list.");
  out.clear();
  for (auto& item : items) {
    ip_network n;
    if (auto bad = read_cidr(item, n))
      return bad;
    if (!out.empty() && out.front().base.version != n.base.version)
      return neutron_error(400, "PrefixVersionMismatch",
                           "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
    out.push_back(n);
  }
  out = compact_networks(std::move(out));
  return std::nullopt;
}

std::vector<ip_network> prefixes_of(const json& pool) {
  std::vector<ip_network> out;
  for (auto& p : json_fields::strings(pool, "prefixes"))
    if (auto n = ip_network::parse(p))
      out.push_back(*n);
  return out;
}

json prefixes_json(const std::vector<ip_network>& prefixes) {
  json out = json::array();
  for (auto& p : prefixes)
    out.push_back(p.str());
  return out;
}

api_result illegal_bounds(const std::string& type, int64_t value, const std::string& base_type,
                          int64_t base) {
  return neutron_error(400, "IllegalSubnetPoolPrefixBounds",
                       "Illegal prefix bounds: " + type + "=" + std::to_string(value) + ", " +
                           base_type + "=" + std::to_string(base) + ".");
}

/// Sets the pool's prefix lengths from `body` (or keeps those of `pool`,
/// or Neutron's defaults: min 8/64, max 32/128, default = min) and checks
/// their order as Neutron's SubnetPoolHelper does.
std::optional<api_result> read_bounds(const json& body, json& pool) {
  const int version = pool.value("ip_version", 4);
  std::optional<int64_t> min, max, dflt;
  if (auto bad = read_count(body.value("min_prefixlen", json()), min))
    return bad;
  if (auto bad = read_count(body.value("max_prefixlen", json()), max))
    return bad;
  if (auto bad = read_count(body.value("default_prefixlen", json()), dflt))
    return bad;
  const int64_t min_v = min.value_or(pool.value("min_prefixlen", version == 4 ? 8 : 64));
  const int64_t max_v = max.value_or(pool.value("max_prefixlen", width(version)));
  const int64_t default_v = dflt.value_or(pool.value("default_prefixlen", min_v));
  if (min_v > max_v)
    return illegal_bounds("min_prefixlen", min_v, "max_prefixlen", max_v);
  if (max_v > width(version))
    return illegal_bounds("max_prefixlen", max_v, "ip_version_max", width(version));
  if (default_v < min_v)
    return illegal_bounds("default_prefixlen", default_v, "min_prefixlen", min_v);
  if (default_v > max_v)
    return illegal_bounds("default_prefixlen", default_v, "max_prefixlen", max_v);
  pool["min_prefixlen"] = min_v;
  pool["max_prefixlen"] = max_v;
  pool["default_prefixlen"] = default_v;
  return std::nullopt;
}

/// The subnets of a pool as networks.
std::vector<ip_network> allocated(const network_model& model, const std::string& pool_id) {
  std::vector<ip_network> out;
  for (auto& sid : model.subnets_from_pool(pool_id))
    if (const json* s = model.find(kinds::subnet, sid))
      if (auto n = ip_network::parse(str(*s, "cidr")))
        out.push_back(*n);
  return out;
}

} // namespace

std::string prefix_guard_id(const std::string& pool_id, const std::string& cidr) {
  return pool_id + "/" + cidr;
}

void drop_prefix_guard(model_edit& edit, const json& subnet) {
  if (auto pool = str(subnet, "subnetpool_id"); !pool.empty())
    edit.drop_guard(kinds::prefix_guard, prefix_guard_id(pool, str(subnet, "cidr")));
}

std::optional<api_result> network_api::pool_subnet_cidr(const network_call& c, const json& body,
                                                        const std::string& network_id,
                                                        const json*& pool,
                                                        std::optional<ip_network>& cidr) const {
  pool = nullptr;
  cidr.reset();
  const bool has_cidr = body.contains("cidr") && !body["cidr"].is_null();
  const bool has_prefixlen = body.contains("prefixlen") && !body["prefixlen"].is_null();
  if (has_cidr && has_prefixlen)
    return bad_request("subnets", "cidr and prefixlen must not be supplied together");
  std::string pool_id = str(body, "subnetpool_id");
  const json use_default = body.value("use_default_subnetpool", json(false));
  if (!use_default.is_boolean())
    return invalid_input("'" + use_default.dump() + "' is not a valid boolean value");
  if (use_default.get<bool>() && !pool_id.empty())
    return bad_request("subnets", "subnetpool_id and use_default_subnetpool cannot both be "
                                  "specified");
  int cidr_version = 0; // of the body's cidr, if it parses
  if (has_cidr)
    if (auto n = ip_network::parse(str(body, "cidr")))
      cidr_version = n->base.version;
  if (use_default.get<bool>()) {
    int version = 0;
    if (cidr_version != 0)
      version = cidr_version;
    else if (body.value("ip_version", json()).is_number_integer())
      version = body["ip_version"].get<int>();
    else
      return bad_request("subnets", "ip_version must be specified in the absence of cidr and "
                                    "subnetpool_id");
    for (auto& [id, p] : model_.subnetpools())
      if (json_fields::flag(p, "is_default", false) && p.value("ip_version", 0) == version)
        pool_id = id;
    if (pool_id.empty())
      return bad_request("subnets",
                         "No default subnetpool found for IPv" + std::to_string(version));
  }

  // Subnets of one IP version on a network all come from one pool, or none.
  auto affinity_error = [&](int version) -> std::optional<api_result> {
    for (auto& sid : model_.subnets_of(network_id)) {
      const json& s = *model_.find(kinds::subnet, sid);
      if (s.value("ip_version", 4) == version && str(s, "subnetpool_id") != pool_id)
        return neutron_error(400, "NetworkSubnetPoolAffinityError",
                             "Subnets hosted on the same network must be allocated from the "
                             "same subnet pool.");
    }
    return std::nullopt;
  };
  if (pool_id.empty()) {
    if (cidr_version != 0)
      return affinity_error(cidr_version);
    return std::nullopt; // the caller's own checks of cidr follow
  }

  const json* p = model_.find(kinds::subnetpool, pool_id);
  if (!p || !(owns(c, *p) || json_fields::flag(*p, "shared", false)))
    return pool_not_found(pool_id);
  const int version = p->value("ip_version", 4);
  if (!has_cidr && body.contains("allocation_pools") && !body["allocation_pools"].is_null())
    return bad_request("subnets", "allocation_pools allowed only for specific subnet requests.");
  if (auto v = body.value("ip_version", json()); v.is_number_integer() && v.get<int>() != version)
    return bad_request("subnets", "Cannot allocate IPv" + v.dump() + " subnet from IPv" +
                                      std::to_string(version) + " subnet pool");
  if (auto bad = affinity_error(version))
    return bad;

  std::optional<ip_network> wanted;
  int64_t prefixlen = p->value("default_prefixlen", int64_t{0});
  if (has_cidr) {
    ip_network n;
    if (auto bad = read_cidr(body["cidr"], n))
      return bad;
    if (n.base.version != version)
      return bad_request("subnets", "Cannot allocate IPv" + std::to_string(n.base.version) +
                                        " subnet from IPv" + std::to_string(version) +
                                        " subnet pool");
    wanted = n;
    prefixlen = n.prefix;
  } else if (has_prefixlen) {
    std::optional<int64_t> asked;
    if (auto bad = read_count(body["prefixlen"], asked))
      return bad;
    prefixlen = *asked;
  }
  const int64_t max = p->value("max_prefixlen", int64_t{width(version)});
  const int64_t min = p->value("min_prefixlen", int64_t{0});
  if (prefixlen > max)
    return neutron_error(400, "MaxPrefixSubnetAllocationError",
                         "Unable to allocate subnet with prefix length " +
                             std::to_string(prefixlen) + ", maximum allowed prefix is " +
                             std::to_string(max) + ".");
  if (prefixlen < min)
    return neutron_error(400, "MinPrefixSubnetAllocationError",
                         "Unable to allocate subnet with prefix length " +
                             std::to_string(prefixlen) + ", minimum allowed prefix is " +
                             std::to_string(min) + ".");

  // The pool's per-project quota, in /32s (IPv4) or /64s (IPv6).
  if (auto quota = p->value("default_quota", json()); quota.is_number_integer()) {
    std::string project = c.project;
    if (c.admin && !str(body, "project_id").empty())
      project = str(body, "project_id");
    else if (c.admin && !str(body, "tenant_id").empty())
      project = str(body, "tenant_id");
    const int unit = version == 4 ? 32 : 64;
    double used = prefix_units(static_cast<int>(prefixlen), unit);
    for (auto& sid : model_.subnets_from_pool(pool_id)) {
      const json& s = *model_.find(kinds::subnet, sid);
      if (str(s, "project_id") == project)
        if (auto n = ip_network::parse(str(s, "cidr")))
          used += prefix_units(n->prefix, unit);
    }
    if (used > static_cast<double>(quota.get<int64_t>()))
      return neutron_error(409, "SubnetPoolQuotaExceeded",
                           "Per-tenant subnet pool prefix quota exceeded.");
  }

  const auto available = subtract_networks(prefixes_of(*p), allocated(model_, pool_id));
  if (wanted) {
    if (!fits_in(available, *wanted))
      return allocation_error("Cannot allocate requested subnet from the available set of "
                              "prefixes");
    cidr = wanted;
  } else {
    cidr = carve_subnet(available, static_cast<int>(prefixlen));
    if (!cidr)
      return allocation_error("Insufficient prefix space to allocate subnet size /" +
                              std::to_string(prefixlen));
  }
  pool = p;
  return std::nullopt;
}

void network_api::add_subnet_pool_operations() {
  auto visible = [](const network_call& c, const json& p) {
    return owns(c, p) || json_fields::flag(p, "shared", false);
  };
  auto render = [](const json& p) { return p; };

  /// 400 if `pool` would be a second default pool of its IP version.
  auto second_default = [this](const json& pool) -> std::optional<api_result> {
    if (!json_fields::flag(pool, "is_default", false))
      return std::nullopt;
    for (auto& [id, other] : model_.subnetpools())
      if (id != str(pool, "id") && json_fields::flag(other, "is_default", false) &&
          other.value("ip_version", 0) == pool.value("ip_version", 0))
        return invalid_input("A default subnetpool for this IP family has already been set. "
                             "Only one default may exist per IP family");
    return std::nullopt;
  };
  auto default_guard_id = [](const json& pool) {
    return std::to_string(pool.value("ip_version", 4));
  };

  auto create_one = [this, second_default,
                     default_guard_id](network_call& c, const json& body, model_edit& edit,
                                       json& created) -> std::optional<api_result> {
    if (auto bad =
            check_body(c, body, pool_attributes, "create_subnetpool", {"shared", "is_default"}))
      return bad;
    if (!body.contains("prefixes"))
      return neutron_error(400, "HTTPBadRequest",
                           "Failed to parse request. Required attribute 'prefixes' not specified");
    std::vector<ip_network> prefixes;
    if (auto bad = read_prefixes(body["prefixes"], prefixes))
      return bad;
    for (const char* flag : {"shared", "is_default"})
      if (body.contains(flag) && !body[flag].is_boolean())
        return invalid_input("'" + body[flag].dump() + "' is not a valid boolean value");
    if (auto scope = body.value("address_scope_id", json()); !scope.is_null())
      return neutron_error(404, "AddressScopeNotFound",
                           "Address scope " +
                               (scope.is_string() ? scope.get<std::string>() : scope.dump()) +
                               " could not be found.");
    const std::string id = runtime::new_uuid();
    json p = standard_attributes(c, body, id);
    if (auto over = over_quota(kinds::subnetpool, str(p, "project_id")))
      return over;
    p["ip_version"] = prefixes.front().base.version;
    p["prefixes"] = prefixes_json(prefixes);
    if (auto bad = read_bounds(body, p))
      return bad;
    std::optional<int64_t> quota;
    if (auto bad = read_count(body.value("default_quota", json()), quota))
      return bad;
    p["default_quota"] = quota ? json(*quota) : json();
    p["shared"] = body.value("shared", false);
    p["is_default"] = body.value("is_default", false);
    p["address_scope_id"] = nullptr;
    if (auto bad = second_default(p))
      return bad;
    if (p["is_default"] == true)
      edit.take_guard(kinds::default_subnetpool_guard, default_guard_id(p),
                      {{"subnetpool_id", id}});
    edit.put(kinds::subnetpool, id, p);
    created = std::move(p);
    return std::nullopt;
  };

  add("create_subnetpool", [this, create_one, render](network_call& c) -> api_result {
    return create_resources(c, model_, "subnetpool", create_one, render);
  });

  add("get_subnetpool", [this, visible, render](network_call& c) -> api_result {
    const auto id = c.call.path("subnetpool_id");
    if (id.empty()) {
      std::vector<const json*> shown;
      for (auto& [pid, p] : model_.subnetpools())
        if (visible(c, p))
          shown.push_back(&p);
      return list_reply(c, "subnetpools", shown, render);
    }
    const json* p = model_.find(kinds::subnetpool, id);
    if (!p || !visible(c, *p))
      return pool_not_found(id);
    return json_reply(200, {{"subnetpool", select_fields(c, render(*p))}});
  });

  /// The pool the path names, if the caller may change it.
  auto changeable = [this, visible](network_call& c, const std::string& action,
                                    const json*& p) -> std::optional<api_result> {
    const auto id = c.call.path("subnetpool_id");
    p = model_.find(kinds::subnetpool, id);
    if (!p || !visible(c, *p))
      return pool_not_found(id);
    if (!owns(c, *p))
      return disallowed(action);
    return std::nullopt;
  };

  /// Writes `updated` (new prefixes, bounds, default flag) with the
  /// default pool guard following is_default.
  auto write_pool = [this, default_guard_id](network_call& c, const json& old, json updated,
                                             api_result reply) {
    model_edit edit(model_);
    const bool was_default = json_fields::flag(old, "is_default", false);
    const bool is_default = json_fields::flag(updated, "is_default", false);
    if (was_default && !is_default)
      edit.drop_guard(kinds::default_subnetpool_guard, default_guard_id(old));
    if (is_default && !was_default)
      edit.take_guard(kinds::default_subnetpool_guard, default_guard_id(updated),
                      {{"subnetpool_id", str(updated, "id")}});
    touch(updated, c.call.now);
    const auto id = str(updated, "id");
    edit.put(kinds::subnetpool, id, updated);
    if (reply.reply.body.empty())
      reply = json_reply(200, {{"subnetpool", select_fields(c, updated)}});
    return committed(std::move(reply), edit);
  };

  add("update_subnetpool",
      [this, changeable, second_default, write_pool](network_call& c) -> api_result {
        const json* p = nullptr;
        if (auto no = changeable(c, "update_subnetpool", p))
          return *no;
        const json body = c.call.body.value("subnetpool", json());
        if (auto bad = check_body(c, body, pool_attributes, "update_subnetpool", {"is_default"}))
          return *bad;
        for (const char* fixed : {"ip_version", "shared", "project_id", "tenant_id"})
          if (body.contains(fixed) && body[fixed] != (*p)[fixed])
            return neutron_error(400, "HTTPBadRequest",
                                 std::string{"Cannot update read-only attribute "} + fixed);
        json updated = *p;
        if (body.contains("prefixes")) {
          std::vector<ip_network> prefixes;
          if (auto bad = read_prefixes(body["prefixes"], prefixes))
            return *bad;
          if (prefixes.front().base.version != p->value("ip_version", 4))
            return neutron_error(400, "PrefixVersionMismatch",
                                 "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
          if (!covers(prefixes, prefixes_of(*p)))
            return illegal_prefix_update("Existing prefixes must be a subset of the new prefixes");
          updated["prefixes"] = prefixes_json(prefixes);
        }
        if (auto bad = read_bounds(body, updated))
          return *bad;
        if (body.contains("default_quota")) {
          std::optional<int64_t> quota;
          if (auto bad = read_count(body["default_quota"], quota))
            return *bad;
          updated["default_quota"] = quota ? json(*quota) : json();
        }
        if (body.contains("is_default")) {
          if (!body["is_default"].is_boolean())
            return invalid_input("'" + body["is_default"].dump() +
                                 "' is not a valid boolean value");
          updated["is_default"] = body["is_default"];
        }
        if (auto scope = body.value("address_scope_id", json()); !scope.is_null())
          return neutron_error(404, "AddressScopeNotFound",
                               "Address scope " +
                                   (scope.is_string() ? scope.get<std::string>() : scope.dump()) +
                                   " could not be found.");
        for (const char* key : {"name", "description"})
          if (body.contains(key))
            updated[key] = body[key];
        if (auto bad = second_default(updated))
          return *bad;
        return write_pool(c, *p, std::move(updated), api_result{});
      });

  // PUT /subnetpools/{id}/add_prefixes and remove_prefixes {"prefixes": […]}
  // → 200 {"prefixes": […]} (subnetpool-prefix-ops).
  // The pool the caller may change (`p`) and the body's prefixes (`out`).
  auto prefix_change = [changeable](network_call& c, const char* op, const json*& p,
                                    std::vector<ip_network>& out) -> std::optional<api_result> {
    if (auto no = changeable(c, op, p))
      return no;
    const json prefixes = c.call.body.is_object() ? c.call.body.value("prefixes", json()) : json();
    if (!prefixes.is_array() || prefixes.empty())
      return neutron_error(400, "HTTPBadRequest", "Request body contains invalid data");
    return read_prefixes(prefixes, out);
  };
  add("add_prefixes", [prefix_change, write_pool](network_call& c) -> api_result {
    const json* p = nullptr;
    std::vector<ip_network> added;
    if (auto bad = prefix_change(c, "add_prefixes", p, added))
      return *bad;
    if (added.front().base.version != p->value("ip_version", 4))
      return neutron_error(400, "PrefixVersionMismatch",
                           "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
    auto all = prefixes_of(*p);
    all.insert(all.end(), added.begin(), added.end());
    json updated = *p;
    updated["prefixes"] = prefixes_json(compact_networks(std::move(all)));
    const auto reply = json_reply(200, {{"prefixes", updated["prefixes"]}});
    return write_pool(c, *p, std::move(updated), reply);
  });
  add("remove_prefixes",
      [this, prefix_change, write_pool](network_call& c) -> api_result {
        const json* p = nullptr;
        std::vector<ip_network> removed;
        if (auto bad = prefix_change(c, "remove_prefixes", p, removed))
          return *bad;
        const auto current = prefixes_of(*p);
        if (disjoint(current, removed))
          return json_reply(200, {{"prefixes", (*p)["prefixes"]}}); // nothing of it in the pool
        if (!disjoint(allocated(model_, str(*p, "id")), removed))
          return illegal_prefix_update(
              "One or more the prefixes to be removed is in use by a subnet");
        json updated = *p;
        updated["prefixes"] = prefixes_json(subtract_networks(current, removed));
        const auto reply = json_reply(200, {{"prefixes", updated["prefixes"]}});
        return write_pool(c, *p, std::move(updated), reply);
      });

  add("delete_subnetpool", [this, changeable, default_guard_id](network_call& c) -> api_result {
    const json* p = nullptr;
    if (auto no = changeable(c, "delete_subnetpool", p))
      return *no;
    const auto id = str(*p, "id");
    if (!model_.subnets_from_pool(id).empty())
      return neutron_error(400, "SubnetPoolDeleteError",
                           "Unable to delete subnet pool: Subnet pool has existing allocations.");
    model_edit edit(model_);
    if (json_fields::flag(*p, "is_default", false))
      edit.drop_guard(kinds::default_subnetpool_guard, default_guard_id(*p));
    edit.erase(kinds::subnetpool, id);
    return committed(api_support::api_no_content(), edit);
  });
}

} // namespace stratus::network
