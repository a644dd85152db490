// What hangs off a provider besides inventories: its traits, aggregates,
// usages and the allocations against it.
// https://docs.openstack.org/api-ref/placement/#resource-provider-traits

#include "actors/placement/placement_api.hpp"

namespace stratus::placement {
namespace {

json with_generation(json body, const provider& p) {
  body["resource_provider_generation"] = p.generation;
  return body;
}

/// The generation in a PUT body matches, or the answer to give.
std::optional<api_result> generation_conflict(const placement_call& c, const provider& p) {
  auto it = c.call.body.find("resource_provider_generation");
  if (it == c.call.body.end() || !it->is_number_integer())
    return placement_error(c, 400,
                           "JSON does not validate: 'resource_provider_generation' is a required property");
  if (it->get<uint64_t>() != p.generation)
    return placement_error(c, 409,
                           "Resource provider's generation already changed. Please update the "
                           "generation and try again.",
                           "placement.concurrent_update");
  return std::nullopt;
}

std::optional<std::vector<std::string>> string_list(const json& j) {
  if (!j.is_array())
    return std::nullopt;
  std::vector<std::string> out;
  for (auto& x : j) {
    if (!x.is_string())
      return std::nullopt;
    out.push_back(x.get<std::string>());
  }
  return out;
}

} // namespace

void placement_api::add_provider_link_operations() {
  add("placement:resource_providers:traits:list", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    return p ? placement_json(200, with_generation({{"traits", p->traits}}, *p)) : missing;
  });

  add("placement:resource_providers:traits:update", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    if (!c.call.body.is_object())
      return placement_error(c, 400, "JSON does not validate: the body must be an object");
    auto traits = string_list(c.call.body.value("traits", json()));
    if (!traits)
      return placement_error(c, 400, "JSON does not validate: 'traits' is a required property");
    if (auto e = generation_conflict(c, *found))
      return *e;
    for (auto& t : *traits)
      if (!model_.trait_exists(t))
        return placement_error(c, 400, "No such trait(s): " + t);
    provider p = *found;
    p.traits = {traits->begin(), traits->end()};
    p.generation += 1;
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    r.reply = placement_json(200, with_generation({{"traits", p.traits}}, p)).reply;
    return r;
  });

  add("placement:resource_providers:traits:delete", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    provider p = *found;
    p.traits.clear();
    p.generation += 1;
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    r.reply.status = 204;
    return r;
  });

  add("placement:resource_providers:aggregates:list", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    json body{{"aggregates", p->aggregates}};
    return placement_json(200, c.at_least(19) ? with_generation(body, *p) : body);
  });

  add("placement:resource_providers:aggregates:update", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    // Before 1.19 the body is the list itself, without a generation.
    const json& list = c.at_least(19) ? c.call.body.value("aggregates", json()) : c.call.body;
    auto aggregates = string_list(list);
    if (!aggregates)
      return placement_error(c, 400, "JSON does not validate: 'aggregates' must be a list of uuids");
    for (auto& a : *aggregates)
      if (!is_uuid(a))
        return placement_error(c, 400, "JSON does not validate: '" + a + "' is not a 'uuid'");
    if (c.at_least(19))
      if (auto e = generation_conflict(c, *found))
        return *e;
    provider p = *found;
    p.aggregates = {aggregates->begin(), aggregates->end()};
    p.generation += 1;
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    json body{{"aggregates", p.aggregates}};
    r.reply = placement_json(200, c.at_least(19) ? with_generation(body, p) : body).reply;
    return r;
  });

  add("placement:resource_providers:usages", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    json usages = json::object();
    for (auto& [rc, inv] : p->inventories)
      usages[rc] = 0;
    for (auto& [rc, n] : model_.usage(p->uuid))
      usages[rc] = n;
    return placement_json(200, with_generation({{"usages", usages}}, *p));
  });

  add("placement:resource_providers:allocations:list", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    json allocations = json::object();
    for (auto& id : model_.consumers_of(p->uuid)) {
      const consumer* x = model_.find_consumer(id);
      allocations[id] = {{"resources", x->allocations.at(p->uuid)}};
    }
    return placement_json(200, with_generation({{"allocations", allocations}}, *p));
  });
}

} // namespace stratus::placement
