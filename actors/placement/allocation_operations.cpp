// Allocations per consumer, all-or-nothing bulk allocations, and usages
// per project. A consumer's allocations are replaced whole; since 1.28
// every write names the consumer generation it expects (null for a new
// consumer), so two writers racing on one consumer cannot both win.
// https://docs.openstack.org/api-ref/placement/#allocations

#include "actors/placement/placement_api.hpp"
#include "actors/placement/provider_rendering.hpp"

namespace stratus::placement {
namespace {

/// The allocations a request body asks for, in either form (a list before
/// 1.12, an object by provider since).
std::optional<std::string> parse_allocations(const placement_call& c, const json& j,
                                             std::map<std::string, resource_amounts>& out) {
  auto resources = [&](const std::string& rp, const json& r) -> std::optional<std::string> {
    if (!r.is_object() || r.empty())
      return "JSON does not validate: 'resources' must be a non-empty object";
    for (auto& [rc, n] : r.items()) {
      if (!n.is_number_integer() || n.get<int64_t>() < 1)
        return "JSON does not validate: the amount of " + rc + " must be an integer >= 1";
      out[rp][rc] = n.get<uint64_t>();
    }
    return std::nullopt;
  };
  if (c.at_least(12)) {
    if (!j.is_object())
      return "JSON does not validate: 'allocations' must be an object";
    for (auto& [rp, spec] : j.items()) {
      if (!spec.is_object() || !spec.contains("resources"))
        return "JSON does not validate: 'resources' is a required property";
      if (auto e = resources(rp, spec["resources"]))
        return e;
    }
    return std::nullopt;
  }
  if (!j.is_array() || j.empty())
    return "JSON does not validate: 'allocations' must be a non-empty list";
  for (auto& item : j) {
    if (!item.is_object() || !item.contains("resource_provider") || !item.contains("resources"))
      return "JSON does not validate: 'resource_provider' and 'resources' are required";
    const auto rp = json_fields::str(item["resource_provider"], "uuid");
    if (auto e = resources(rp, item["resources"]))
      return e;
  }
  return std::nullopt;
}

model_change snapshot(const placement_model& model, const std::string& kind, const std::string& id) {
  if (kind == "provider")
    if (auto p = model.find_provider(id))
      return {kind, id, to_json(*p)};
  if (kind == "consumer")
    if (auto x = model.find_consumer(id))
      return {kind, id, to_json(*x)};
  return {kind, id, std::nullopt};
}

} // namespace

/// Replaces one consumer's allocations with what `spec` (the consumer's part
/// of a request body) asks for. On success the model holds the result and
/// `r.changes` the records to write; `undo` collects how to take it back.
std::optional<api_result> set_allocations(placement_model& model, const placement_call& c,
                                          const std::string& consumer_uuid, const json& spec,
                                          api_result& r, std::vector<model_change>& undo) {
  if (!spec.is_object() || !spec.contains("allocations"))
    return placement_error(c, 400, "JSON does not validate: 'allocations' is a required property");
  if (!is_uuid(consumer_uuid))
    return placement_error(c, 400, "Malformed consumer_uuid: " + consumer_uuid);
  std::map<std::string, resource_amounts> wanted;
  if (auto e = parse_allocations(c, spec["allocations"], wanted))
    return placement_error(c, 400, *e);
  if (wanted.empty() && !c.at_least(28))
    return placement_error(c, 400, "JSON does not validate: 'allocations' must not be empty");
  const std::string project = json_fields::str(spec, "project_id");
  const std::string user = json_fields::str(spec, "user_id");
  if (c.at_least(8) && (project.empty() || user.empty()))
    return placement_error(c, 400, "JSON does not validate: 'project_id' and 'user_id' are required");
  const consumer* existing = model.find_consumer(consumer_uuid);
  if (c.at_least(28)) {
    auto g = spec.find("consumer_generation");
    if (g == spec.end())
      return placement_error(c, 400, "JSON does not validate: 'consumer_generation' is a required property");
    const bool matches = existing ? g->is_number_integer() && g->get<uint64_t>() == existing->generation
                                  : g->is_null();
    if (!matches)
      return placement_error(
          c, 409,
          "consumer generation conflict - expected " +
              (existing ? std::to_string(existing->generation) : std::string{"null"}) + " but got " +
              g->dump(),
          "placement.concurrent_update");
  }
  // Check every provider and amount against what is left once this
  // consumer's own allocation is given back.
  for (auto& [rp, amounts] : wanted) {
    const provider* p = model.find_provider(rp);
    if (!p)
      return placement_error(c, 400, "Allocation for resource provider '" + rp +
                                         "' that does not exist.");
    for (auto& [rc, amount] : amounts) {
      auto inv = p->inventories.find(rc);
      if (inv == p->inventories.end())
        return placement_error(c, 409, "Unable to allocate inventory: Inventory for '" + rc +
                                           "' on resource provider '" + rp + "' invalid.");
      if (!inv->second.takes(amount))
        return placement_error(c, 400, "Unable to allocate inventory: Allocation for " + rc +
                                           " on resource provider " + rp +
                                           " violates min_unit, max_unit, or step_size.");
      uint64_t already = 0;
      if (existing)
        if (auto a = existing->allocations.find(rp); a != existing->allocations.end())
          if (auto n = a->second.find(rc); n != a->second.end())
            already = n->second;
      if (!can_take(model, *p, rc, amount, already))
        return placement_error(c, 409, "Unable to allocate inventory: Unable to create "
                                       "allocation for '" + rc + "' on resource provider '" + rp +
                                           "'. The requested amount would exceed the capacity.");
    }
  }
  // Every provider whose allocations change gets a new generation.
  std::set<std::string> touched;
  for (auto& [rp, a] : wanted)
    touched.insert(rp);
  if (existing) {
    for (auto& [rp, a] : existing->allocations) {
      if (!wanted.count(rp) || wanted.at(rp) != a)
        touched.insert(rp);
      else
        touched.erase(rp);
    }
  }
  const auto now = iso_time(c.call.now);
  undo.push_back(snapshot(model, "consumer", consumer_uuid));
  if (wanted.empty()) {
    r.changes.push_back(model.remove_consumer(consumer_uuid));
  } else {
    consumer x = existing ? *existing : consumer{};
    x.uuid = consumer_uuid;
    x.allocations = std::move(wanted);
    if (!project.empty())
      x.project_id = project;
    if (!user.empty())
      x.user_id = user;
    if (auto t = json_fields::str(spec, "consumer_type"); !t.empty())
      x.consumer_type = t;
    x.generation = existing ? existing->generation + 1 : 1;
    if (x.created_at.empty())
      x.created_at = now;
    x.updated_at = now;
    r.changes.push_back(model.put_consumer(std::move(x)));
  }
  for (auto& rp : touched)
    if (const provider* p = model.find_provider(rp)) {
      undo.push_back(snapshot(model, "provider", rp));
      provider bumped = *p;
      bumped.generation += 1;
      r.changes.push_back(model.put_provider(std::move(bumped)));
    }
  return std::nullopt;
}

void placement_api::add_allocation_operations() {
  add("placement:allocations:list", [this](placement_call& c) -> api_result {
    const auto id = c.call.path("consumer_uuid");
    json allocations = json::object();
    json out;
    if (const consumer* x = model_.find_consumer(id)) {
      for (auto& [rp, amounts] : x->allocations) {
        const provider* p = model_.find_provider(rp);
        allocations[rp] = {{"resources", amounts}, {"generation", p ? p->generation : 0}};
      }
      out = {{"allocations", allocations}};
      if (c.at_least(12)) {
        out["project_id"] = x->project_id;
        out["user_id"] = x->user_id;
      }
      if (c.at_least(28))
        out["consumer_generation"] = x->generation;
      if (c.at_least(38))
        out["consumer_type"] = x->consumer_type.empty() ? "unknown" : x->consumer_type;
    } else {
      out = {{"allocations", allocations}};
    }
    return placement_json(200, out);
  });

  add("placement:allocations:update", [this](placement_call& c) -> api_result {
    api_result r;
    std::vector<model_change> undo;
    if (auto e = set_allocations(model_, c, c.call.path("consumer_uuid"), c.call.body, r, undo))
      return *e;
    r.reply.status = 204;
    return r;
  });

  // POST /allocations (1.13): several consumers, all or nothing.
  add("placement:allocations:manage", [this](placement_call& c) -> api_result {
    if (!c.call.body.is_object() || c.call.body.empty())
      return placement_error(c, 400, "JSON does not validate: the body must be a non-empty object");
    api_result r;
    std::vector<model_change> undo;
    for (auto& [consumer_uuid, spec] : c.call.body.items())
      if (auto e = set_allocations(model_, c, consumer_uuid, spec, r, undo)) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it)
          model_.apply(*it);
        return *e;
      }
    r.reply.status = 204;
    return r;
  });

  add("placement:allocations:delete", [this](placement_call& c) -> api_result {
    const auto id = c.call.path("consumer_uuid");
    const consumer* x = model_.find_consumer(id);
    if (!x)
      return placement_error(c, 404, "No allocations for consumer '" + id + "'");
    api_result r;
    for (auto& [rp, a] : x->allocations)
      if (const provider* p = model_.find_provider(rp)) {
        provider bumped = *p;
        bumped.generation += 1;
        r.changes.push_back(model_.put_provider(std::move(bumped)));
      }
    r.changes.push_back(model_.remove_consumer(id));
    r.reply.status = 204;
    return r;
  });

  add("placement:usages", [this](placement_call& c) -> api_result {
    const std::string* project = c.call.query("project_id");
    if (!project || project->empty())
      return placement_error(c, 400, "Invalid query string parameters: 'project_id' is a required property",
                             "placement.query.missing_value");
    const std::string* user = c.call.query("user_id");
    resource_amounts total;
    for (auto& [id, x] : model_.consumers()) {
      if (x.project_id != *project || (user && x.user_id != *user))
        continue;
      for (auto& [rp, amounts] : x.allocations)
        for (auto& [rc, n] : amounts)
          total[rc] += n;
    }
    return placement_json(200, {{"usages", total}});
  });
}

} // namespace stratus::placement
