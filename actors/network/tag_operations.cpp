// Tags on networks, subnets and ports (the standard-attr-tag extension).
// https://docs.openstack.org/api-ref/network/v2/#tag-extension-tags

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"

namespace stratus::network {
namespace {

constexpr std::size_t max_tag_length = 255; // neutron-lib's MAX_TAG_LEN

/// "networks" → "network", "security-groups" → "security_group".
std::string kind_of(const std::string& collection) {
  std::string kind = collection.substr(0, collection.size() - 1);
  std::replace(kind.begin(), kind.end(), '-', '_');
  return kind;
}

std::optional<api_result> check_tag(const json& tag) {
  if (!tag.is_string() || tag.get<std::string>().empty() ||
      tag.get<std::string>().size() > max_tag_length || tag.get<std::string>().find(',') != std::string::npos)
    return invalid_input("'" + tag.dump() + "' is not a valid tag");
  return std::nullopt;
}

} // namespace

void network_api::add_tag_operations() {
  // The record named by the path, if the caller may see it (and change it).
  auto target = [this](network_call& c, std::string& kind, std::string& id,
                       bool change) -> std::optional<api_result> {
    kind = kind_of(c.call.path("resource"));
    id = c.call.path("resource_id");
    const json* r = model_.find(kind, id);
    bool seen = r && owns(c, *r);
    if (r && !seen && kind == kinds::network)
      seen = network_visible(c, *r);
    if (!seen)
      return not_found(kind, id);
    if (change && !owns(c, *r))
      return disallowed("update_" + kind + "s_tags");
    return std::nullopt;
  };
  auto write_tags = [this](network_call& c, const std::string& kind, const std::string& id,
                           json tags, api_result reply) {
    json updated = *model_.find(kind, id);
    std::vector<std::string> unique;
    for (auto& t : tags)
      if (std::find(unique.begin(), unique.end(), t.get<std::string>()) == unique.end())
        unique.push_back(t.get<std::string>());
    std::sort(unique.begin(), unique.end());
    updated["tags"] = unique;
    touch(updated, c.call.now);
    model_edit edit(model_);
    edit.put(kind, id, updated);
    return committed(std::move(reply), edit);
  };

  add("get_tags", [this, target](network_call& c) -> api_result {
    std::string kind, id;
    if (auto no = target(c, kind, id, false))
      return *no;
    const json& r = *model_.find(kind, id);
    const auto tag = c.call.path("tag");
    if (tag.empty())
      return json_reply(200, {{"tags", r.value("tags", json::array())}});
    const auto tags = json_fields::strings(r, "tags");
    if (std::find(tags.begin(), tags.end(), tag) == tags.end())
      return neutron_error(404, "TagNotFound", "Tag " + tag + " could not be found for " + kind +
                                                   " " + id + ".");
    return api_support::api_no_content();
  });

  add("update_tags", [this, target, write_tags](network_call& c) -> api_result {
    std::string kind, id;
    if (auto no = target(c, kind, id, true))
      return *no;
    const auto tag = c.call.path("tag");
    if (!tag.empty()) { // PUT .../tags/{tag}: add one
      if (auto bad = check_tag(tag))
        return *bad;
      json tags = model_.find(kind, id)->value("tags", json::array());
      tags.push_back(tag);
      api_result created;
      created.reply.status = 201;
      return write_tags(c, kind, id, tags, created);
    }
    const json tags = c.call.body.value("tags", json());
    if (!tags.is_array())
      return invalid_input("'" + c.call.body.dump() + "' is not a list of tags");
    for (auto& t : tags)
      if (auto bad = check_tag(t))
        return *bad;
    auto r = write_tags(c, kind, id, tags, api_result{});
    r.reply.status = 200;
    r.reply.body = json{{"tags", (*model_.find(kind, id))["tags"]}}.dump();
    return r;
  });

  add("delete_tags", [this, target, write_tags](network_call& c) -> api_result {
    std::string kind, id;
    if (auto no = target(c, kind, id, true))
      return *no;
    const auto tag = c.call.path("tag");
    json kept = json::array();
    bool found = false;
    for (auto& t : model_.find(kind, id)->value("tags", json::array())) {
      if (!tag.empty() && t != tag)
        kept.push_back(t);
      else
        found = true;
    }
    if (!tag.empty() && !found)
      return neutron_error(404, "TagNotFound", "Tag " + tag + " could not be found for " + kind +
                                                   " " + id + ".");
    return write_tags(c, kind, id, kept, api_support::api_no_content());
  });
}

} // namespace stratus::network
