// Image sharing: an owner adds projects as members of a shared image; each
// member accepts or rejects it, and an accepted image joins its listings.
// https://docs.openstack.org/api-ref/image/v2/#sharing

#include "actors/image/image_api.hpp"

namespace stratus::image {
namespace {

json render_member(const json& member) {
  json out = member;
  out["schema"] = "/v2/schemas/member";
  return out;
}

api_result member_not_found(const std::string& member, const std::string& image) {
  return api_error(msg::errc::not_found,
                   "Member " + member + " not found for image " + image + ".");
}

} // namespace

void image_api::add_member_operations() {
  operations_["image:add_member"] = [this](api_call& call) -> api_result {
    const json* image = nullptr;
    if (auto err = check_owner(call, image))
      return api_error(err->code, err->message);
    const auto id = call.path("image_id");
    if (str(*image, "visibility") != "shared")
      return api_error(msg::errc::forbidden, "Only shared images have members.");
    const auto member = str(call.body, "member");
    if (member.empty() || member.size() > 255)
      return api_error(msg::errc::invalid, "The body must name a 'member': a project id of 1 to "
                                           "255 characters.");
    if (registry_.member(id, member))
      return api_error(msg::errc::conflict, "Member " + member +
                                                " is already associated with "
                                                "image " +
                                                id + ".");
    if (registry_.members_of(id).size() >= settings_.member_quota)
      return api_error(msg::errc::over_quota, "Maximum number of image members exceeded: at most " +
                                                  std::to_string(settings_.member_quota) + ".");
    const auto stamp = iso_time(call.now);
    json record{{"image_id", id},
                {"member_id", member},
                {"status", "pending"},
                {"created_at", stamp},
                {"updated_at", stamp}};
    api_result r = api_json(200, render_member(record));
    r.changes.push_back({"member", image_registry::member_record_id(id, member), record});
    return r;
  };

  operations_["image:get_members"] = [this](api_call& call) -> api_result {
    const json* image = find_visible(call);
    const auto id = call.path("image_id");
    if (!image)
      return api_error(msg::errc::not_found, "No image found with ID " + id);
    const bool owner = call.caller_is_admin() || str(*image, "owner") == call.ctx.caller.project_id;
    json members = json::array();
    for (auto& [member, record] : registry_.members_of(id))
      if (owner || member == call.ctx.caller.project_id)
        members.push_back(render_member(record));
    return api_json(200, {{"members", std::move(members)}, {"schema", "/v2/schemas/members"}});
  };

  operations_["image:get_member"] = [this](api_call& call) -> api_result {
    const json* image = find_visible(call);
    const auto id = call.path("image_id");
    const auto member = call.path("member_id");
    if (!image)
      return api_error(msg::errc::not_found, "No image found with ID " + id);
    const bool owner = call.caller_is_admin() || str(*image, "owner") == call.ctx.caller.project_id;
    const json* record = registry_.member(id, member);
    if (!record || (!owner && member != call.ctx.caller.project_id))
      return member_not_found(member, id);
    return api_json(200, render_member(*record));
  };

  operations_["image:modify_member"] = [this](api_call& call) -> api_result {
    const auto id = call.path("image_id");
    const auto member = call.path("member_id");
    if (!find_visible(call))
      return api_error(msg::errc::not_found, "No image found with ID " + id);
    const json* record = registry_.member(id, member);
    if (!record)
      return member_not_found(member, id);
    if (!call.caller_is_admin() && member != call.ctx.caller.project_id)
      return api_error(msg::errc::forbidden, "You are not permitted to modify 'status' on this "
                                             "image member.");
    const auto status = str(call.body, "status");
    if (status != "pending" && status != "accepted" && status != "rejected")
      return api_error(msg::errc::invalid, "Invalid status: the body must be {\"status\": "
                                           "\"pending\" | \"accepted\" | \"rejected\"}.");
    json updated = *record;
    updated["status"] = status;
    updated["updated_at"] = iso_time(call.now);
    api_result r = api_json(200, render_member(updated));
    r.changes.push_back({"member", image_registry::member_record_id(id, member), updated});
    return r;
  };

  operations_["image:delete_member"] = [this](api_call& call) -> api_result {
    const json* image = nullptr;
    if (auto err = check_owner(call, image))
      return api_error(err->code, err->message);
    const auto id = call.path("image_id");
    const auto member = call.path("member_id");
    if (!registry_.member(id, member))
      return member_not_found(member, id);
    api_result r = api_no_content();
    r.changes.push_back({"member", image_registry::member_record_id(id, member), std::nullopt});
    return r;
  };
}

} // namespace stratus::image
