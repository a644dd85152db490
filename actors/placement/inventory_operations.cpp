// A provider's inventories: all at once or one resource class at a time.
// https://docs.openstack.org/api-ref/placement/#resource-provider-inventories

#include "actors/placement/placement_api.hpp"
#include "actors/placement/provider_rendering.hpp"

namespace stratus::placement {
namespace {

/// An inventory from a request body; the error detail if it is not one.
std::optional<std::string> parse_inventory(const json& j, bool reserved_may_equal_total,
                                           inventory& out) {
  if (!j.is_object())
    return std::string{"JSON does not validate: an inventory must be an object"};
  auto number = [&](const char* key, uint64_t fallback, uint64_t min,
                    uint64_t& field) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end()) {
      field = fallback;
      return std::nullopt;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < static_cast<int64_t>(min) ||
        it->get<int64_t>() > 2147483647)
      return std::string{"JSON does not validate: '"} + key + "' must be an integer >= " +
             std::to_string(min) + " and <= 2147483647";
    field = it->get<uint64_t>();
    return std::nullopt;
  };
  if (!j.contains("total"))
    return std::string{"JSON does not validate: 'total' is a required property"};
  if (auto e = number("total", 0, 1, out.total))
    return e;
  if (auto e = number("reserved", 0, 0, out.reserved))
    return e;
  if (auto e = number("min_unit", 1, 1, out.min_unit))
    return e;
  if (auto e = number("max_unit", out.total, 1, out.max_unit))
    return e;
  if (auto e = number("step_size", 1, 1, out.step_size))
    return e;
  if (auto it = j.find("allocation_ratio"); it != j.end()) {
    if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 3.40282e38)
      return std::string{"JSON does not validate: 'allocation_ratio' must be a positive number"};
    out.allocation_ratio = it->get<double>();
  }
  if (out.reserved > out.total || (out.reserved == out.total && !reserved_may_equal_total))
    return std::string{"Unable to update inventory: the reserved value must be lower than the total."};
  if (out.min_unit > out.max_unit)
    return std::string{"Unable to update inventory: min_unit must not exceed max_unit."};
  return std::nullopt;
}

/// The body's resource_provider_generation matches the provider's, or the 409.
std::optional<api_result> stale(const placement_call& c, const provider& p) {
  auto it = c.call.body.find("resource_provider_generation");
  if (it == c.call.body.end() || !it->is_number_integer())
    return placement_error(c, 400,
                           "JSON does not validate: 'resource_provider_generation' is a required property");
  if (it->get<uint64_t>() != p.generation)
    return placement_error(c, 409,
                           "resource provider generation conflict: the provider " + p.uuid +
                               " has generation " + std::to_string(p.generation) + ".",
                           "placement.concurrent_update");
  return std::nullopt;
}

json one_inventory(const provider& p, const std::string& rc) {
  json out = to_json(p.inventories.at(rc));
  out["resource_provider_generation"] = p.generation;
  return out;
}

json all_inventories(const provider& p) {
  return {{"inventories", render_inventories(p)}, {"resource_provider_generation", p.generation}};
}

bool in_use(const placement_model& model, const provider& p, const std::string& rc) {
  const auto& used = model.usage(p.uuid);
  auto it = used.find(rc);
  return it != used.end() && it->second > 0;
}

api_result inuse_error(const placement_call& c, const provider& p, const std::string& rc) {
  return placement_error(c, 409,
                         "Inventory for '" + rc + "' on resource provider '" + p.uuid +
                             "' in use.",
                         "placement.inventory.inuse");
}

} // namespace

void placement_api::add_inventory_operations() {
  add("placement:resource_providers:inventories:list", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    return p ? placement_json(200, all_inventories(*p)) : missing;
  });

  add("placement:resource_providers:inventories:show", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    const auto rc = c.call.path("resource_class");
    if (!p->inventories.count(rc))
      return placement_error(c, 404, "No inventory of class " + rc + " for " + p->uuid);
    return placement_json(200, one_inventory(*p, rc));
  });

  // POST one new inventory.
  add("placement:resource_providers:inventories:create", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    if (auto e = stale(c, *found))
      return *e;
    const auto rc = json_fields::str(c.call.body, "resource_class");
    if (!model_.resource_class_exists(rc))
      return placement_error(c, 400, "No such resource class " + rc + ".");
    if (found->inventories.count(rc))
      return placement_error(c, 409, "Update conflict: inventory for " + rc + " already exists on " +
                                         found->uuid + ".");
    inventory inv;
    if (auto e = parse_inventory(c.call.body, c.at_least(26), inv))
      return placement_error(c, 400, *e);
    provider p = *found;
    p.inventories[rc] = inv;
    p.generation += 1;
    p.updated_at = iso_time(c.call.now);
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    r.reply = placement_json(201, one_inventory(p, rc)).reply;
    r.reply.headers.push_back(location(c, "/placement/resource_providers/" + p.uuid + "/inventories/" + rc));
    return r;
  });

  // PUT all inventories, or PUT one ({resource_class} in the path).
  add("placement:resource_providers:inventories:update", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    if (!c.call.body.is_object())
      return placement_error(c, 400, "JSON does not validate: the body must be an object");
    if (auto e = stale(c, *found))
      return *e;
    provider p = *found;
    const auto one = c.call.path("resource_class");
    if (!one.empty()) {
      if (!p.inventories.count(one))
        return placement_error(c, 400, "No inventory record with resource class for resource "
                                       "provider " + p.uuid);
      inventory inv;
      if (auto e = parse_inventory(c.call.body, c.at_least(26), inv))
        return placement_error(c, 400, *e);
      p.inventories[one] = inv;
    } else {
      auto it = c.call.body.find("inventories");
      if (it == c.call.body.end() || !it->is_object())
        return placement_error(c, 400, "JSON does not validate: 'inventories' is a required property");
      std::map<std::string, inventory> replaced;
      for (auto& [rc, j] : it->items()) {
        if (!model_.resource_class_exists(rc))
          return placement_error(c, 400, "Unknown resource class in inventory for resource "
                                         "provider " + p.uuid + ": " + rc);
        inventory inv;
        if (auto e = parse_inventory(j, c.at_least(26), inv))
          return placement_error(c, 400, *e);
        replaced[rc] = inv;
      }
      for (auto& [rc, inv] : p.inventories)
        if (!replaced.count(rc) && in_use(model_, p, rc))
          return inuse_error(c, p, rc);
      p.inventories = std::move(replaced);
    }
    p.generation += 1;
    p.updated_at = iso_time(c.call.now);
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    r.reply = placement_json(200, one.empty() ? all_inventories(p) : one_inventory(p, one)).reply;
    return r;
  });

  // DELETE one inventory, or all of them (1.5).
  add("placement:resource_providers:inventories:delete", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    provider p = *found;
    const auto one = c.call.path("resource_class");
    if (!one.empty()) {
      if (!p.inventories.count(one))
        return placement_error(c, 404, "No inventory of class " + one + " found for delete");
      if (in_use(model_, p, one))
        return inuse_error(c, p, one);
      p.inventories.erase(one);
    } else {
      if (!c.at_least(5))
        return placement_error(c, 405, "The method DELETE is not supported for this resource.");
      for (auto& [rc, inv] : p.inventories)
        if (in_use(model_, p, rc))
          return inuse_error(c, p, rc);
      p.inventories.clear();
    }
    p.generation += 1;
    p.updated_at = iso_time(c.call.now);
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    r.reply.status = 204;
    return r;
  });
}

} // namespace stratus::placement
