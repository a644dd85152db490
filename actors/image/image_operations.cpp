// Images: create, show, update (JSON patch), delete, tags, deactivate and
// reactivate, and the decision to serve an image's data.
// https://docs.openstack.org/api-ref/image/v2/#images

#include <algorithm>

#include "actors/image/image_api.hpp"
#include "actors/image/image_attributes.hpp"
#include "runtime/random_id.hpp"

namespace stratus::image {
namespace {

api_result error_of(const msg::error& e) {
  return api_error(e.code, e.message);
}

api_result not_found(const std::string& id) {
  return api_error(msg::errc::not_found, "No image found with ID " + id);
}

/// The rules that go beyond one attribute's type: who may publish an image
/// and whose it may be.
std::optional<msg::error> check_rights(const api_call& call, const std::string& name,
                                       const json& value) {
  if (call.caller_is_admin())
    return std::nullopt;
  if (name == "visibility" && value == "public")
    return msg::error{msg::errc::forbidden,
                      "You are not authorized to complete publicize_image action."};
  if (name == "owner" && value != call.ctx.caller.project_id)
    return msg::error{msg::errc::forbidden,
                      "You are not permitted to create or modify images owned by " + value.dump() +
                          "."};
  return std::nullopt;
}

/// Sets one attribute after every check.
std::optional<msg::error> set_attribute(const image_settings& settings, const api_call& call,
                                        json& image, const std::string& name, const json& value,
                                        bool creating) {
  if (auto err = check_attribute(settings, name, value, creating))
    return err;
  if (auto err = check_rights(call, name, value))
    return err;
  if (name == "tags") {
    json unique = json::array();
    for (auto& t : value)
      if (std::find(unique.begin(), unique.end(), t) == unique.end())
        unique.push_back(t);
    image[name] = std::move(unique);
  } else {
    image[name] = value;
  }
  return std::nullopt;
}

std::optional<msg::error> check_property_quota(const image_settings& settings, const json& image) {
  if (custom_property_count(image) > settings.property_quota)
    return msg::error{msg::errc::over_quota, "Maximum number of properties exceeded: at most " +
                                                 std::to_string(settings.property_quota) + "."};
  return std::nullopt;
}

/// One JSON patch operation in either of Glance's media types: v2.1
/// (RFC 6902, {"op": "replace", "path": "/name", "value": …}) or v2.0
/// ({"replace": "/name", "value": …}).
struct patch_op {
  std::string kind; // add, replace, remove (anything else is refused)
  std::string path;
};

patch_op read_patch_op(const json& op) {
  if (op.contains("op"))
    return {str(op, "op"), str(op, "path")};
  for (const char* kind : {"add", "replace", "remove"})
    if (op.contains(kind))
      return {kind, str(op, kind)};
  return {};
}

/// The attribute a JSON patch path names: "/name" → "name" (RFC 6901
/// escapes decoded); "" for paths Glance does not accept.
std::string patch_target(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.find('/', 1) != std::string::npos)
    return {};
  std::string out;
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '~' && i + 1 < path.size() && (path[i + 1] == '0' || path[i + 1] == '1')) {
      out += path[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += path[i];
    }
  }
  return out;
}

/// A single "bytes=first-last" range (RFC 7233) of data of `size` bytes as
/// (first, last), both inclusive; first > last when it lies beyond the data.
/// Nothing for what is not a single byte range (then the whole data goes).
std::optional<std::pair<uint64_t, uint64_t>> byte_range(const std::string& header, uint64_t size) {
  if (!header.starts_with("bytes=") || header.find(',') != std::string::npos)
    return std::nullopt;
  const auto spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string::npos)
    return std::nullopt;
  auto number = [](const std::string& s) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(s);
  };
  const auto first = number(spec.substr(0, dash));
  const auto last = number(spec.substr(dash + 1));
  if (!first && !last)
    return std::nullopt;
  if (size == 0)
    return std::pair<uint64_t, uint64_t>{1, 0};
  if (!first) // the last n bytes
    return *last == 0 ? std::pair<uint64_t, uint64_t>{1, 0}
                      : std::pair<uint64_t, uint64_t>{size - std::min(*last, size), size - 1};
  if (last && *last < *first)
    return std::nullopt;
  if (*first >= size)
    return std::pair<uint64_t, uint64_t>{1, 0};
  return std::pair<uint64_t, uint64_t>{*first, std::min(last.value_or(size - 1), size - 1)};
}

} // namespace

void image_api::add_image_operations() {
  operations_["image:add_image"] = [this](api_call& call) -> api_result {
    if (!call.body.is_object())
      return api_error(msg::errc::invalid, "The request body must be a JSON object of image "
                                           "attributes.");
    std::string id = runtime::new_uuid();
    if (auto given = call.body.find("id"); given != call.body.end()) {
      if (auto err = check_attribute(settings_, "id", *given, true))
        return error_of(*err);
      id = given->get<std::string>();
      if (registry_.image(id))
        return api_error(msg::errc::conflict, "Image with identifier " + id + " already exists!");
    }
    json image = new_image_record(id, call.ctx.caller.project_id, call.now);
    for (auto& [name, value] : call.body.items())
      if (name != "id")
        if (auto err = set_attribute(settings_, call, image, name, value, true))
          return error_of(*err);
    if (auto err = check_property_quota(settings_, image))
      return error_of(*err);
    api_result r = api_json(201, render_image(image));
    r.reply.headers.push_back({"Location", call.base + "/v2/images/" + id});
    r.changes.push_back({"image", id, std::move(image)});
    return r;
  };

  operations_["image:get_image"] = [this](api_call& call) -> api_result {
    const json* image = find_visible(call);
    return image ? api_json(200, render_image(*image)) : not_found(call.path("image_id"));
  };

  operations_["image:get_images"] = [this](api_call& call) { return list_images(call); };

  operations_["image:modify_image"] = [this](api_call& call) -> api_result {
    const json* found = nullptr;
    if (auto err = check_owner(call, found))
      return error_of(*err);
    if (!call.body.is_array())
      return api_error(msg::errc::invalid, "The request body must be a JSON patch: an array of "
                                           "operations.");
    json image = *found;
    for (auto& op : call.body) {
      const auto [kind, path] = read_patch_op(op);
      const auto name = patch_target(path);
      if (name.empty())
        return api_error(msg::errc::invalid,
                         "Invalid JSON pointer for this resource: '" + path + "'");
      const bool exists = image.contains(name) && !name.starts_with("_");
      if (kind == "add" || kind == "replace") {
        if (!op.contains("value"))
          return api_error(msg::errc::invalid, "Operation " + kind + " needs a value.");
        if (kind == "replace" && !exists)
          return api_error(msg::errc::conflict, "Property " + name + " does not exist.");
        if (auto err = set_attribute(settings_, call, image, name, op["value"], false))
          return error_of(*err);
      } else if (kind == "remove") {
        if (is_core_attribute(name))
          return api_error(msg::errc::forbidden, "Properties " + name + " cannot be removed.");
        if (!exists)
          return api_error(msg::errc::conflict, "Property " + name + " does not exist.");
        image.erase(name);
      } else {
        return api_error(msg::errc::invalid, "Unsupported JSON patch operation '" + kind +
                                                 "': use add, replace or remove.");
      }
    }
    if (auto err = check_property_quota(settings_, image))
      return error_of(*err);
    image["updated_at"] = iso_time(call.now);
    api_result r = api_json(200, render_image(image));
    r.changes.push_back({"image", call.path("image_id"), std::move(image)});
    return r;
  };

  operations_["image:delete_image"] = [this](api_call& call) -> api_result {
    const json* image = nullptr;
    if (auto err = check_owner(call, image))
      return error_of(*err);
    const auto id = call.path("image_id");
    if (flag(*image, "protected", false))
      return api_error(msg::errc::forbidden, "Image " + id +
                                                 " is protected and cannot be "
                                                 "deleted.");
    api_result r = api_no_content();
    r.changes.push_back({"image", id, std::nullopt});
    for (auto& [member, record] : registry_.members_of(id))
      r.changes.push_back({"member", image_registry::member_record_id(id, member), std::nullopt});
    r.remove_data.push_back(id);
    return r;
  };

  operations_["image:add_tag"] = [this](api_call& call) -> api_result {
    const json* found = nullptr;
    if (auto err = check_owner(call, found))
      return error_of(*err);
    const json tag = call.path("tag");
    auto tags = found->value("tags", json::array());
    if (std::find(tags.begin(), tags.end(), tag) != tags.end())
      return api_no_content();
    tags.push_back(tag);
    json image = *found;
    if (auto err = set_attribute(settings_, call, image, "tags", tags, false))
      return error_of(*err);
    image["updated_at"] = iso_time(call.now);
    api_result r = api_no_content();
    r.changes.push_back({"image", call.path("image_id"), std::move(image)});
    return r;
  };

  operations_["image:delete_tag"] = [this](api_call& call) -> api_result {
    const json* found = nullptr;
    if (auto err = check_owner(call, found))
      return error_of(*err);
    auto tags = found->value("tags", json::array());
    auto it = std::find(tags.begin(), tags.end(), json(call.path("tag")));
    if (it == tags.end())
      return api_error(msg::errc::not_found, "Tag " + call.path("tag") + " not found.");
    tags.erase(it);
    json image = *found;
    image["tags"] = std::move(tags);
    image["updated_at"] = iso_time(call.now);
    api_result r = api_no_content();
    r.changes.push_back({"image", call.path("image_id"), std::move(image)});
    return r;
  };

  // Deactivation hides the data from everyone but admins; both actions are
  // idempotent, and only images with data take part.
  auto set_active = [this](bool active) {
    return [this, active](api_call& call) -> api_result {
      const json* found = nullptr;
      if (auto err = check_owner(call, found))
        return error_of(*err);
      const auto status = str(*found, "status");
      const char* wanted = active ? "active" : "deactivated";
      if (status == wanted)
        return api_no_content();
      if (status != (active ? "deactivated" : "active"))
        return api_error(msg::errc::forbidden, std::string{"Not allowed to "} +
                                                   (active ? "reactivate" : "deactivate") +
                                                   " image in status '" + status + "'");
      json image = *found;
      image["status"] = wanted;
      image["updated_at"] = iso_time(call.now);
      api_result r = api_no_content();
      r.changes.push_back({"image", call.path("image_id"), std::move(image)});
      return r;
    };
  };
  operations_["image:deactivate"] = set_active(false);
  operations_["image:reactivate"] = set_active(true);

  operations_["image:download_image"] = [this](api_call& call) -> api_result {
    const json* image = find_visible(call);
    if (!image)
      return not_found(call.path("image_id"));
    const auto status = str(*image, "status");
    if (status == "deactivated" && !call.caller_is_admin())
      return api_error(msg::errc::forbidden, "The requested image has been deactivated. Image "
                                             "data download is forbidden.");
    if (status != "active" && status != "deactivated")
      return api_no_content(); // no data yet
    api_result r;
    r.reply.status = 200;
    r.reply.headers.push_back({"Content-Type", "application/octet-stream"});
    r.serve_data = call.path("image_id");
    // Which image the file holds and its size, for a gateway that must
    // pull the data rather than read the file.
    r.reply.headers.push_back({"x-stratus-image-id", call.path("image_id")});
    const uint64_t size = count(*image, "size");
    const auto* range = call.header("range");
    auto wanted = range ? byte_range(*range, size) : std::nullopt;
    if (!wanted) {
      r.reply.headers.push_back({"Content-MD5", str(*image, "checksum")});
      r.reply.headers.push_back({"x-stratus-file-length", std::to_string(size)});
      return r;
    }
    if (wanted->first > wanted->second) { // nothing of it inside the data
      r.serve_data.clear();
      r.reply.status = 416;
      r.reply.headers = {{"Content-Range", "bytes */" + std::to_string(size)}};
      r.reply.body = json{{"code", 416},
                          {"title", "Requested Range Not Satisfiable"},
                          {"message", "Requested range " + *range + " not satisfiable."}}
                         .dump();
      return r;
    }
    r.reply.status = 206;
    r.reply.headers.push_back({"Content-Range", "bytes " + std::to_string(wanted->first) + "-" +
                                                    std::to_string(wanted->second) + "/" +
                                                    std::to_string(size)});
    r.reply.headers.push_back({"x-stratus-file-offset", std::to_string(wanted->first)});
    r.reply.headers.push_back(
        {"x-stratus-file-length", std::to_string(wanted->second - wanted->first + 1)});
    return r;
  };
}

} // namespace stratus::image
