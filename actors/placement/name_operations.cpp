// Resource classes and traits: the standard ones, and CUSTOM_* ones that
// operators add.
// https://docs.openstack.org/api-ref/placement/#resource-classes
// https://docs.openstack.org/api-ref/placement/#traits

#include <regex>

#include "actors/common/comma_list.hpp"
#include "actors/placement/placement_api.hpp"

namespace stratus::placement {
namespace {

bool custom_name(const std::string& name) {
  static const std::regex pattern{"^CUSTOM_[A-Z0-9_]+$"};
  return name.size() <= 255 && std::regex_match(name, pattern);
}

json class_json(const std::string& name) {
  return {{"name", name},
          {"links", json::array({{{"rel", "self"}, {"href", "/placement/resource_classes/" + name}}})}};
}

bool class_in_use(const placement_model& model, const std::string& name) {
  for (auto& [id, p] : model.providers())
    if (p.inventories.count(name))
      return true;
  return false;
}

bool trait_in_use(const placement_model& model, const std::string& name) {
  for (auto& [id, p] : model.providers())
    if (p.traits.count(name))
      return true;
  return false;
}

api_result created_or_there(bool created) {
  api_result r;
  r.reply.status = created ? 201 : 204;
  return r;
}

} // namespace

void placement_api::add_name_operations() {
  add("placement:resource_classes:list", [this](placement_call&) -> api_result {
    json list = json::array();
    for (auto& name : model_.resource_classes())
      list.push_back(class_json(name));
    return placement_json(200, {{"resource_classes", list}});
  });

  add("placement:resource_classes:create", [this](placement_call& c) -> api_result {
    const auto name = json_fields::str(c.call.body, "name");
    if (!custom_name(name))
      return placement_error(c, 400, "JSON does not validate: 'name' must match '^CUSTOM_[A-Z0-9_]+$'");
    if (model_.resource_class_exists(name))
      return placement_error(c, 409, "Conflicting resource class already exists: " + name,
                             "placement.duplicate_name");
    api_result r;
    r.changes.push_back(model_.put_resource_class(name));
    r.reply.status = 201;
    r.reply.headers.push_back(location(c, "/placement/resource_classes/" + name));
    return r;
  });

  add("placement:resource_classes:show", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!model_.resource_class_exists(name))
      return placement_error(c, 404, "No such resource class " + name + ".");
    return placement_json(200, class_json(name));
  });

  // PUT (1.7): creates a custom class if it is not there yet.
  add("placement:resource_classes:update", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!c.at_least(7))
      return placement_error(c, 400, "Renaming resource classes is not supported.");
    if (!custom_name(name))
      return placement_error(c, 400, "The resource class name must start with CUSTOM_.");
    if (model_.resource_class_exists(name))
      return created_or_there(false);
    auto r = created_or_there(true);
    r.changes.push_back(model_.put_resource_class(name));
    r.reply.headers.push_back(location(c, "/placement/resource_classes/" + name));
    return r;
  });

  add("placement:resource_classes:delete", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!model_.resource_class_exists(name))
      return placement_error(c, 404, "No such resource class " + name + ".");
    if (!model_.custom_resource_class(name))
      return placement_error(c, 400, "Cannot delete standard resource class " + name +
                                         ": Cannot delete standard resource class.");
    if (class_in_use(model_, name))
      return placement_error(c, 409, "Unable to delete resource class " + name +
                                         ": Resource class in use by inventory.");
    api_result r;
    r.changes.push_back(model_.remove_resource_class(name));
    r.reply.status = 204;
    return r;
  });

  add("placement:traits:list", [this](placement_call& c) -> api_result {
    std::set<std::string> names = model_.traits();
    if (auto q = c.call.query("name")) {
      std::set<std::string> picked;
      if (q->rfind("in:", 0) == 0) {
        for (auto& n : api_support::comma_list(q->substr(3)))
          if (names.count(n))
            picked.insert(n);
      } else if (q->rfind("startswith:", 0) == 0) {
        const auto prefix = q->substr(11);
        for (auto& n : names)
          if (n.rfind(prefix, 0) == 0)
            picked.insert(n);
      } else {
        return placement_error(c, 400, "Badly formatted name parameter. Expected name query "
                                       "string parameter in form: ?name=[in|startswith]:[name1,"
                                       "name2|prefix]. Got: \"" + *q + "\"");
      }
      names = std::move(picked);
    }
    if (auto q = c.call.query("associated")) {
      if (*q != "true" && *q != "false")
        return placement_error(c, 400, "The query parameter \"associated\" only accepts "
                                       "\"true\" or \"false\"");
      std::set<std::string> picked;
      for (auto& n : names)
        if (trait_in_use(model_, n) == (*q == "true"))
          picked.insert(n);
      names = std::move(picked);
    }
    return placement_json(200, {{"traits", names}});
  });

  add("placement:traits:show", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!model_.trait_exists(name))
      return placement_error(c, 404, "No such trait(s): " + name + ".");
    api_result r;
    r.reply.status = 204;
    return r;
  });

  add("placement:traits:update", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!custom_name(name))
      return placement_error(c, 400, "The trait is invalid. A valid trait must be no longer than "
                                     "255 characters, start with the prefix \"CUSTOM_\" and use "
                                     "following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"");
    if (model_.trait_exists(name)) {
      auto r = created_or_there(false);
      r.reply.headers.push_back(location(c, "/placement/traits/" + name));
      return r;
    }
    auto r = created_or_there(true);
    r.changes.push_back(model_.put_trait(name));
    r.reply.headers.push_back(location(c, "/placement/traits/" + name));
    return r;
  });

  add("placement:traits:delete", [this](placement_call& c) -> api_result {
    const auto name = c.call.path("name");
    if (!model_.trait_exists(name))
      return placement_error(c, 404, "No such trait(s): " + name + ".");
    if (!model_.custom_trait(name))
      return placement_error(c, 400, "Cannot delete standard trait " + name + ".");
    if (trait_in_use(model_, name))
      return placement_error(c, 409, "The trait " + name + " is in use by a resource provider.");
    api_result r;
    r.changes.push_back(model_.remove_trait(name));
    r.reply.status = 204;
    return r;
  });
}

} // namespace stratus::placement
