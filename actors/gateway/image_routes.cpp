// The Glance v2 API as routes: https://docs.openstack.org/api-ref/image/v2/
// Operation names are Glance's policy names (tags: add_tag, delete_tag).

#include "actors/gateway/routes.hpp"

namespace stratus::gateway {

api_routes image_routes() {
  api_routes api{"/image", "image-api", {}, true};
  auto add = [&api](const char* method, std::string pattern, std::string op) -> route& {
    api.routes.push_back(make_route(method, "/v2" + pattern, "image:" + op));
    return api.routes.back();
  };
  const std::string image = "/images/{image_id}";
  add("GET", "/images", "get_images");
  add("POST", "/images", "add_image");
  add("GET", image, "get_image");
  // JSON patch, as application/openstack-images-v2.1-json-patch or the
  // older v2.0 form (Tempest still sends it).
  add("PATCH", image, "modify_image").body_types = {"application/openstack-images-v2.1-json-patch",
                                                    "application/openstack-images-v2.0-json-patch"};
  add("DELETE", image, "delete_image");
  auto& upload = add("PUT", image + "/file", "upload_image");
  upload.streams_body = true;
  upload.body_types = {"application/octet-stream"};
  add("GET", image + "/file", "download_image");
  add("PUT", image + "/tags/{tag}", "add_tag");
  add("DELETE", image + "/tags/{tag}", "delete_tag");
  add("POST", image + "/actions/deactivate", "deactivate");
  add("POST", image + "/actions/reactivate", "reactivate");
  add("GET", image + "/members", "get_members");
  add("POST", image + "/members", "add_member");
  add("GET", image + "/members/{member_id}", "get_member");
  add("PUT", image + "/members/{member_id}", "modify_member");
  add("DELETE", image + "/members/{member_id}", "delete_member");
  add("GET", "/info/import", "get_import_info");
  add("GET", "/info/usage", "get_usage");
  for (const char* schema : {"image", "images", "member", "members"})
    add("GET", std::string{"/schemas/"} + schema, std::string{"get_schema_"} + schema);
  return api;
}

} // namespace stratus::gateway
