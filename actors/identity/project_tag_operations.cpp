// Project tags: /v3/projects/{project_id}/tags[/{tag}]
// (https://docs.openstack.org/api-ref/identity/v3/#project-tags). Tags are
// also part of the project record, so PATCH /v3/projects/{id} sees them.

#include <algorithm>

#include "actors/identity/identity_api.hpp"

namespace stratus::identity {
namespace {

/// Keystone's limits: at most 80 tags of at most 255 characters, no '/' or ','.
constexpr std::size_t max_tags = 80;
constexpr std::size_t max_tag_length = 255;

bool valid_tag(const std::string& tag) {
  return !tag.empty() && tag.size() <= max_tag_length && tag.find('/') == std::string::npos &&
         tag.find(',') == std::string::npos;
}

} // namespace

void identity_api::add_project_tag_operations() {
  auto& s = store_;
  auto project_of = [&s](api_call& c) { return s.find("project", c.path("project_id")); };
  auto missing = [](api_call& c) {
    return api_error(msg::errc::not_found, "Could not find project: " + c.path("project_id") + ".");
  };
  // Writes the project back with `tags`, answering `reply`.
  auto save = [](json project, std::vector<std::string> tags, api_result reply) -> api_result {
    if (tags.size() > max_tags)
      return api_error(msg::errc::invalid, "A project has at most 80 tags.");
    for (auto& t : tags)
      if (!valid_tag(t))
        return api_error(msg::errc::invalid,
                         "Invalid tag '" + t + "': 1-255 characters, no '/' or ','.");
    project["tags"] = tags;
    reply.changes.push_back({"project", str(project, "id"), std::move(project)});
    return reply;
  };
  auto tags_of = [](const json& project) { return strings(project, "tags"); };

  operations_["identity:get_project_tags"] = [project_of, missing, tags_of](api_call& c) {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    return api_json(200, {{"tags", tags_of(*p)}});
  };
  operations_["identity:update_project_tags"] = [project_of, missing, save](api_call& c) -> api_result {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    auto tags = c.body.value("tags", json());
    if (!tags.is_array() ||
        !std::all_of(tags.begin(), tags.end(), [](auto& t) { return t.is_string(); }))
      return api_error(msg::errc::invalid,
                       "Expecting to find tags, a list of strings, in request body.");
    auto list = tags.get<std::vector<std::string>>();
    return save(*p, list, api_json(200, {{"tags", list}}));
  };
  operations_["identity:delete_project_tags"] = [project_of, missing, save](api_call& c) -> api_result {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    return save(*p, {}, api_no_content());
  };
  operations_["identity:get_project_tag"] = [project_of, missing, tags_of](api_call& c) {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    auto tags = tags_of(*p);
    if (std::find(tags.begin(), tags.end(), c.path("tag")) == tags.end())
      return api_error(msg::errc::not_found, "Could not find tag: " + c.path("tag") + ".");
    return api_no_content();
  };
  operations_["identity:create_project_tag"] = [project_of, missing, tags_of, save](api_call& c) -> api_result {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    auto tags = tags_of(*p);
    if (std::find(tags.begin(), tags.end(), c.path("tag")) == tags.end())
      tags.push_back(c.path("tag"));
    api_result created;
    created.reply.status = 201;
    return save(*p, tags, created);
  };
  operations_["identity:delete_project_tag"] = [project_of, missing, tags_of, save](api_call& c) -> api_result {
    auto p = project_of(c);
    if (!p)
      return missing(c);
    auto tags = tags_of(*p);
    auto it = std::find(tags.begin(), tags.end(), c.path("tag"));
    if (it == tags.end())
      return api_error(msg::errc::not_found, "Could not find tag: " + c.path("tag") + ".");
    tags.erase(it);
    return save(*p, tags, api_no_content());
  };
}

} // namespace stratus::identity
