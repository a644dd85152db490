// Resource providers: list, create, show, update, delete.
// https://docs.openstack.org/api-ref/placement/#resource-providers

#include "actors/placement/placement_api.hpp"
#include "actors/placement/placement_query.hpp"
#include "actors/placement/provider_rendering.hpp"
#include "runtime/random_id.hpp"

namespace stratus::placement {
namespace {

/// The checks POST and PUT share on the name and the parent.
std::optional<std::string> check_name(const json& body) {
  auto it = body.find("name");
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return std::string{"JSON does not validate: 'name' is a required property"};
  if (it->get<std::string>().size() > 200)
    return std::string{"JSON does not validate: 'name' is too long"};
  return std::nullopt;
}

bool in_subtree(const placement_model& model, const std::string& root, const std::string& x) {
  if (root == x)
    return true;
  for (auto& child : model.children_of(root))
    if (in_subtree(model, child, x))
      return true;
  return false;
}

/// Moves a provider's subtree under a new root (each keeps its generation).
void reroot(placement_model& model, const std::string& uuid, const std::string& root,
            std::vector<model_change>& changes) {
  for (auto& child : model.children_of(uuid)) {
    provider p = *model.find_provider(child);
    p.root_uuid = root;
    changes.push_back(model.put_provider(p));
    reroot(model, child, root, changes);
  }
}

} // namespace

void placement_api::add_provider_operations() {
  add("placement:resource_providers:list", [this](placement_call& c) -> api_result {
    provider_filter filter;
    if (auto bad = parse_filter(model_, c, filter))
      return placement_error(c, 400, *bad, "placement.query.bad_value");
    const std::string* name = c.call.query("name");
    const std::string* uuid = c.call.query("uuid");
    std::string out = "{\"resource_providers\":[";
    bool first = true;
    for (auto& [id, p] : model_.providers()) {
      if ((name && p.name != *name) || (uuid && id != *uuid))
        continue;
      if (!filter.in_tree.empty()) {
        const provider* t = model_.find_provider(filter.in_tree);
        if (!t || t->root_uuid != p.root_uuid)
          continue;
      }
      if (!filter.traits_pass(p.traits) || !filter.aggregates_pass(p.aggregates))
        continue;
      if (!fits(model_, p, filter.resources))
        continue;
      if (!first)
        out += ',';
      first = false;
      out += render_provider(p, c).dump();
    }
    out += "]}";
    api_result r;
    r.reply.status = 200;
    r.reply.body = std::move(out);
    return r;
  });

  add("placement:resource_providers:create", [this](placement_call& c) -> api_result {
    auto& body = c.call.body;
    if (!body.is_object())
      return placement_error(c, 400, "JSON does not validate: the body must be an object");
    if (auto bad = check_name(body))
      return placement_error(c, 400, *bad);
    provider p;
    p.name = body["name"];
    p.uuid = json_fields::str(body, "uuid");
    if (body.contains("uuid") && !is_uuid(p.uuid))
      return placement_error(c, 400, "JSON does not validate: 'uuid' is not a 'uuid'");
    if (p.uuid.empty())
      p.uuid = runtime::new_uuid();
    if (model_.find_provider(p.uuid))
      return placement_error(c, 409, "Conflicting resource provider uuid: " + p.uuid + " already exists.",
                             "placement.duplicate_name");
    if (model_.provider_named(p.name))
      return placement_error(c, 409, "Conflicting resource provider name: " + p.name + " already exists.",
                             "placement.duplicate_name");
    p.root_uuid = p.uuid;
    if (c.at_least(14) && body.contains("parent_provider_uuid") && !body["parent_provider_uuid"].is_null()) {
      const auto parent = json_fields::str(body, "parent_provider_uuid");
      const provider* pp = model_.find_provider(parent);
      if (!pp)
        return placement_error(c, 400, "parent provider UUID does not exist.",
                               "placement.resource_provider.not_found");
      p.parent_uuid = parent;
      p.root_uuid = pp->root_uuid;
    }
    p.created_at = p.updated_at = iso_time(c.call.now);
    api_result r;
    r.changes.push_back(model_.put_provider(p));
    const auto& stored = *model_.find_provider(p.uuid);
    if (c.at_least(20))
      r.reply = placement_json(200, render_provider(stored, c)).reply;
    else
      r.reply.status = 201;
    r.reply.headers.push_back(location(c, "/placement/resource_providers/" + p.uuid));
    return r;
  });

  add("placement:resource_providers:show", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    return placement_json(200, render_provider(*p, c));
  });

  add("placement:resource_providers:update", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* found = path_provider(model_, c, missing);
    if (!found)
      return missing;
    auto& body = c.call.body;
    if (!body.is_object())
      return placement_error(c, 400, "JSON does not validate: the body must be an object");
    if (auto bad = check_name(body))
      return placement_error(c, 400, *bad);
    provider p = *found;
    const std::string name = body["name"];
    if (auto other = model_.provider_named(name); other && other->uuid != p.uuid)
      return placement_error(c, 409, "Conflicting resource provider name: " + name + " already exists.",
                             "placement.duplicate_name");
    p.name = name;
    api_result r;
    if (c.at_least(14) && body.contains("parent_provider_uuid")) {
      const auto parent = json_fields::str(body, "parent_provider_uuid");
      if (parent != p.parent_uuid) {
        if (!p.parent_uuid.empty() && !c.at_least(37))
          return placement_error(c, 400, "Unable to save resource provider " + p.uuid +
                                             ": Object action update failed because: "
                                             "re-parenting a provider is not currently allowed.");
        std::string root = p.uuid;
        if (!parent.empty()) {
          const provider* pp = model_.find_provider(parent);
          if (!pp)
            return placement_error(c, 400, "parent provider UUID does not exist.",
                                   "placement.resource_provider.not_found");
          if (in_subtree(model_, p.uuid, parent))
            return placement_error(c, 400, "creating loop in the provider tree is not allowed.");
          root = pp->root_uuid;
        }
        p.parent_uuid = parent;
        p.root_uuid = root;
        r.changes.push_back(model_.put_provider(p));
        reroot(model_, p.uuid, root, r.changes);
      }
    }
    p.generation += 1;
    p.updated_at = iso_time(c.call.now);
    r.changes.push_back(model_.put_provider(p));
    r.reply = placement_json(200, render_provider(*model_.find_provider(p.uuid), c)).reply;
    return r;
  });

  add("placement:resource_providers:delete", [this](placement_call& c) -> api_result {
    api_result missing;
    const provider* p = path_provider(model_, c, missing);
    if (!p)
      return missing;
    if (!model_.consumers_of(p->uuid).empty())
      return placement_error(c, 409, "Unable to delete resource provider " + p->uuid +
                                         ": Resource provider has allocations.",
                             "placement.resource_provider.inuse");
    if (!model_.children_of(p->uuid).empty())
      return placement_error(c, 409, "Unable to delete parent resource provider " + p->uuid +
                                         ": It has child resource providers.",
                             "placement.resource_provider.cannot_delete_parent");
    api_result r;
    r.changes.push_back(model_.remove_provider(c.call.path("uuid")));
    r.reply.status = 204;
    return r;
  });
}

} // namespace stratus::placement
