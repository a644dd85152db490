// The JSON schemas Glance publishes for its resources (glanceclient checks
// attributes against them before it sends anything).
// https://docs.openstack.org/api-ref/image/v2/#schemas

#include "actors/image/image_api.hpp"

namespace stratus::image {
namespace {

json string_or_null(const char* description, bool nullable = true) {
  json type = nullable ? json::array({"null", "string"}) : json("string");
  return {{"type", type}, {"maxLength", 255}, {"description", description}};
}

json read_only(json property) {
  property["readOnly"] = true;
  return property;
}

json enum_of(const std::vector<std::string>& values, const char* description) {
  json e = json::array({nullptr});
  for (auto& v : values)
    e.push_back(v);
  return {{"type", json::array({"null", "string"})}, {"enum", e}, {"description", description}};
}

json image_schema(const image_settings& s) {
  const json uuid_pattern =
      "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";
  json props{
      {"id",
       {{"type", "string"},
        {"pattern", uuid_pattern},
        {"description", "An identifier for the image"}}},
      {"name", string_or_null("Descriptive name for the image")},
      {"status", read_only({{"type", "string"},
                            {"enum",
                             {"queued", "saving", "active", "killed", "deleted", "pending_delete",
                              "deactivated", "uploading", "importing"}},
                            {"description", "Status of the image"}})},
      {"visibility",
       {{"type", "string"},
        {"enum", {"community", "public", "private", "shared"}},
        {"description", "Scope of image accessibility"}}},
      {"protected",
       {{"type", "boolean"}, {"description", "If true, image will not be deletable."}}},
      {"os_hidden",
       {{"type", "boolean"},
        {"description", "If true, image will not appear in default image list response."}}},
      {"checksum", read_only(string_or_null("md5 hash of image contents."))},
      {"os_hash_algo", read_only(string_or_null("Algorithm to calculate the os_hash_value"))},
      {"os_hash_value", read_only(json{{"type", json::array({"null", "string"})},
                                       {"maxLength", 128},
                                       {"description", "Hexdigest of the image contents"}})},
      {"owner", string_or_null("Owner of the image")},
      {"size", read_only({{"type", json::array({"null", "integer"})},
                          {"description", "Size of image file in bytes"}})},
      {"virtual_size", read_only({{"type", json::array({"null", "integer"})},
                                  {"description", "Virtual size of image in bytes"}})},
      {"container_format", enum_of(s.container_formats, "Format of the container")},
      {"disk_format", enum_of(s.disk_formats, "Format of the disk")},
      {"created_at",
       read_only({{"type", "string"}, {"description", "Date and time of image registration"}})},
      {"updated_at", read_only({{"type", "string"},
                                {"description", "Date and time of the last image modification"}})},
      {"tags",
       {{"type", "array"},
        {"items", {{"type", "string"}, {"maxLength", 255}}},
        {"description", "List of strings related to the image"}}},
      {"min_ram",
       {{"type", "integer"}, {"description", "Amount of ram (in MB) required to boot image."}}},
      {"min_disk",
       {{"type", "integer"},
        {"description", "Amount of disk space (in GB) required to boot image."}}},
      {"self", read_only({{"type", "string"}, {"description", "An image self url"}})},
      {"file", read_only({{"type", "string"}, {"description", "An image file url"}})},
      {"schema", read_only({{"type", "string"}, {"description", "An image schema url"}})},
      {"kernel_id",
       {{"type", json::array({"null", "string"})},
        {"pattern", uuid_pattern},
        {"description", "ID of image stored in Glance that should be used as the kernel when "
                        "booting an AMI-style image."}}},
      {"ramdisk_id",
       {{"type", json::array({"null", "string"})},
        {"pattern", uuid_pattern},
        {"description", "ID of image stored in Glance that should be used as the ramdisk when "
                        "booting an AMI-style image."}}},
  };
  return {{"name", "image"},
          {"properties", props},
          {"additionalProperties", {{"type", "string"}}},
          {"links", json::array({{{"rel", "self"}, {"href", "{self}"}},
                                 {{"rel", "enclosure"}, {"href", "{file}"}},
                                 {{"rel", "describedby"}, {"href", "{schema}"}}})}};
}

json collection_schema(const char* name, json item) {
  return {{"name", name},
          {"properties",
           {{name, {{"type", "array"}, {"items", std::move(item)}}},
            {"schema", {{"type", "string"}}},
            {"first", {{"type", "string"}}},
            {"next", {{"type", "string"}}}}},
          {"links", json::array({{{"rel", "first"}, {"href", "{first}"}},
                                 {{"rel", "next"}, {"href", "{next}"}},
                                 {{"rel", "describedby"}, {"href", "{schema}"}}})}};
}

json member_schema() {
  return {
      {"name", "member"},
      {"properties",
       {{"image_id", {{"type", "string"}, {"description", "An identifier for the image"}}},
        {"member_id",
         {{"type", "string"}, {"description", "An identifier for the image member (tenantId)"}}},
        {"status",
         {{"type", "string"},
          {"enum", {"pending", "accepted", "rejected"}},
          {"description", "The status of this image member"}}},
        {"created_at", {{"type", "string"}}},
        {"updated_at", {{"type", "string"}}},
        {"schema", read_only({{"type", "string"}})}}}};
}

} // namespace

void image_api::add_schema_operations() {
  operations_["image:get_schema_image"] = [this](api_call&) {
    return api_json(200, image_schema(settings_));
  };
  operations_["image:get_schema_images"] = [this](api_call&) {
    return api_json(200, collection_schema("images", image_schema(settings_)));
  };
  operations_["image:get_schema_member"] = [](api_call&) { return api_json(200, member_schema()); };
  operations_["image:get_schema_members"] = [](api_call&) {
    return api_json(200, collection_schema("members", member_schema()));
  };
}

} // namespace stratus::image
