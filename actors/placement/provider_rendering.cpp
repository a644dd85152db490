#include "actors/placement/provider_rendering.hpp"

#include "actors/placement/placement_api.hpp"

namespace stratus::placement {

json render_provider(const provider& p, const placement_call& c) {
  const std::string self = "/placement/resource_providers/" + p.uuid;
  json links = json::array({{{"rel", "self"}, {"href", self}},
                            {{"rel", "inventories"}, {"href", self + "/inventories"}},
                            {{"rel", "usages"}, {"href", self + "/usages"}}});
  if (c.at_least(1))
    links.push_back({{"rel", "aggregates"}, {"href", self + "/aggregates"}});
  if (c.at_least(6))
    links.push_back({{"rel", "traits"}, {"href", self + "/traits"}});
  if (c.at_least(11))
    links.push_back({{"rel", "allocations"}, {"href", self + "/allocations"}});
  json out{{"uuid", p.uuid}, {"name", p.name}, {"generation", p.generation}, {"links", links}};
  if (c.at_least(14)) {
    out["parent_provider_uuid"] = p.parent_uuid.empty() ? json(nullptr) : json(p.parent_uuid);
    out["root_provider_uuid"] = p.root_uuid;
  }
  return out;
}

json render_inventories(const provider& p) {
  json out = json::object();
  for (auto& [rc, inv] : p.inventories)
    out[rc] = to_json(inv);
  return out;
}

bool can_take(const provider& p, const resource_amounts& used, const std::string& rc,
              uint64_t amount, uint64_t already) {
  auto inv = p.inventories.find(rc);
  if (inv == p.inventories.end() || !inv->second.takes(amount))
    return false;
  auto u = used.find(rc);
  const uint64_t in_use = (u == used.end() ? 0 : u->second) - already;
  return in_use + amount <= inv->second.capacity();
}

bool can_take(const placement_model& model, const provider& p, const std::string& rc,
              uint64_t amount, uint64_t already) {
  return can_take(p, model.usage(p.uuid), rc, amount, already);
}

bool fits(const placement_model& model, const provider& p, const resource_amounts& wanted) {
  const auto& used = model.usage(p.uuid);
  for (auto& [rc, amount] : wanted)
    if (!can_take(p, used, rc, amount, 0))
      return false;
  return true;
}

} // namespace stratus::placement
