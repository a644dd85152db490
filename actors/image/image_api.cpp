#include "actors/image/image_api.hpp"

#include <ctime>

namespace stratus::image {

std::string iso_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json render_image(const json& image) {
  json out = json::object();
  for (auto& [key, value] : image.items())
    if (!key.starts_with("_"))
      out[key] = value;
  const auto id = str(image, "id");
  out["self"] = "/v2/images/" + id;
  out["file"] = "/v2/images/" + id + "/file";
  out["schema"] = "/v2/schemas/image";
  return out;
}

image_api::image_api(image_registry& registry, image_settings settings)
    : registry_(registry), settings_(std::move(settings)) {
  add_image_operations();
  add_member_operations();
  add_schema_operations();
  add_info_operations();
}

api_result image_api::handle(const msg::context& ctx, const msg::api_call_request& req,
                             int64_t now) {
  return operations_.run(ctx, req, req.base_url + "/image", now);
}

bool image_api::visible(const msg::context& ctx, const json& image) const {
  const auto& caller = ctx.caller;
  for (auto& role : caller.roles)
    if (role == "admin")
      return true;
  const auto visibility = str(image, "visibility");
  if (visibility == "public" || visibility == "community")
    return true;
  if (!caller.project_id.empty() && str(image, "owner") == caller.project_id)
    return true;
  return visibility == "shared" && registry_.member(str(image, "id"), caller.project_id);
}

const json* image_api::find_visible(const api_call& call) const {
  const json* image = registry_.image(call.path("image_id"));
  return image && visible(call.ctx, *image) ? image : nullptr;
}

std::optional<msg::error> image_api::check_owner(const api_call& call, const json*& image) const {
  image = find_visible(call);
  if (!image)
    return msg::error{msg::errc::not_found, "No image found with ID " + call.path("image_id")};
  if (!call.caller_is_admin() && str(*image, "owner") != call.ctx.caller.project_id)
    return msg::error{msg::errc::forbidden,
                      "You are not permitted to modify image " + call.path("image_id") + "."};
  return std::nullopt;
}

// -- uploads --------------------------------------------------------------------

api_result image_api::begin_upload(const msg::context& ctx, const msg::api_call_request& req,
                                   int64_t now, const std::map<std::string, uint64_t>& uploading,
                                   upload_grant& grant) {
  api_call call{ctx, req, nullptr, req.base_url + "/image", now};
  const json* image = nullptr;
  if (auto err = check_owner(call, image))
    return api_error(err->code, err->message);
  const auto status = str(*image, "status");
  if (status != "queued")
    return api_error(msg::errc::conflict,
                     "Image status transition from " + status + " to saving is not allowed");
  if (str(*image, "disk_format").empty() || str(*image, "container_format").empty())
    return api_error(msg::errc::invalid, "Properties disk_format, container_format must be set "
                                         "prior to saving data.");
  grant.image_id = str(*image, "id");
  grant.owner = str(*image, "owner");
  grant.max_bytes = settings_.image_size_cap;
  if (settings_.user_storage_quota > 0) {
    auto in_flight = uploading.find(grant.owner);
    const uint64_t used = registry_.stored_bytes(grant.owner) +
                          (in_flight == uploading.end() ? 0 : in_flight->second);
    const uint64_t left =
        used >= settings_.user_storage_quota ? 0 : settings_.user_storage_quota - used;
    grant.max_bytes = std::min(grant.max_bytes, left);
  }
  if (auto length = call.header("content-length")) {
    uint64_t declared = 0;
    try {
      declared = std::stoull(*length);
    } catch (const std::exception&) {
      return api_error(msg::errc::invalid, "Invalid Content-Length.");
    }
    if (declared > grant.max_bytes)
      return api_error(msg::errc::over_quota, too_large_message(declared, grant.max_bytes));
  }
  json updated = *image;
  updated["status"] = "saving";
  updated["updated_at"] = iso_time(now);
  api_result r;
  r.changes.push_back({"image", grant.image_id, std::move(updated)});
  return r;
}

std::string image_api::too_large_message(uint64_t size, uint64_t allowed) const {
  if (allowed == settings_.image_size_cap)
    return "The incoming image is too large: " + std::to_string(size) +
           " bytes; image_size_cap is " + std::to_string(allowed) + " bytes.";
  return "The size of the data " + std::to_string(size) + " will exceed the limit. " +
         std::to_string(allowed) + " bytes remaining.";
}

api_result image_api::finish_upload(const upload_grant& grant, uint64_t size,
                                    const std::string& md5, const std::string& sha512,
                                    int64_t now) {
  const json* image = registry_.image(grant.image_id);
  if (!image || str(*image, "status") != "saving") {
    api_result r;
    r.reply.status = 410;
    r.reply.body = json{{"code", 410},
                        {"title", "Gone"},
                        {"message", "Image " + grant.image_id +
                                        " could not be found after upload. The image may have "
                                        "been deleted during the upload."}}
                       .dump();
    r.remove_data.push_back(grant.image_id);
    return r;
  }
  json updated = *image;
  updated["status"] = "active";
  updated["size"] = size;
  updated["checksum"] = md5;
  updated["os_hash_algo"] = "sha512";
  updated["os_hash_value"] = sha512;
  updated["updated_at"] = iso_time(now);
  api_result r = api_no_content();
  r.changes.push_back({"image", grant.image_id, std::move(updated)});
  return r;
}

api_result image_api::revert_upload(const upload_grant& grant, bool killed, int64_t now) {
  api_result r = api_no_content();
  const json* image = registry_.image(grant.image_id);
  if (!image || str(*image, "status") != "saving")
    return r;
  json updated = *image;
  updated["status"] = killed ? "killed" : "queued";
  updated["updated_at"] = iso_time(now);
  r.changes.push_back({"image", grant.image_id, std::move(updated)});
  return r;
}

} // namespace stratus::image
