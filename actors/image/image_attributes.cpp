#include "actors/image/image_attributes.hpp"

#include <algorithm>
#include <set>

namespace stratus::image {
namespace {

constexpr std::size_t max_string = 255;

const std::set<std::string>& read_only() {
  static const std::set<std::string> names{
      "status",       "checksum",   "os_hash_algo", "os_hash_value", "size",
      "virtual_size", "created_at", "updated_at",   "self",          "file",
      "schema",       "direct_url", "locations",    "stores",        "location"};
  return names;
}

const std::set<std::string>& reserved() {
  static const std::set<std::string> names{"deleted", "deleted_at", "owner_specified"};
  return names;
}

const std::set<std::string>& core() {
  static const std::set<std::string> names{
      "id",      "name",         "visibility",  "protected",        "os_hidden",
      "min_ram", "min_disk",     "disk_format", "container_format", "tags",
      "owner",   "status",       "checksum",    "os_hash_algo",     "os_hash_value",
      "size",    "virtual_size", "created_at",  "updated_at"};
  return names;
}

msg::error bad(std::string message) {
  return {msg::errc::invalid, std::move(message)};
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

std::optional<msg::error> short_string(const std::string& name, const json& value, bool nullable) {
  if (value.is_null() && nullable)
    return std::nullopt;
  if (!value.is_string())
    return bad("Invalid value for '" + name + "': it must be a string" +
               (nullable ? " or null." : "."));
  if (value.get_ref<const std::string&>().size() > max_string)
    return bad("Invalid value for '" + name + "': longer than 255 characters.");
  return std::nullopt;
}

std::optional<msg::error> one_of(const std::string& name, const json& value,
                                 const std::vector<std::string>& allowed) {
  if (value.is_null())
    return std::nullopt;
  if (value.is_string() &&
      std::find(allowed.begin(), allowed.end(), value.get<std::string>()) != allowed.end())
    return std::nullopt;
  std::string list;
  for (auto& a : allowed)
    list += (list.empty() ? "" : ", ") + a;
  return bad("Invalid value for '" + name + "': " + value.dump() + " is not one of " + list + ".");
}

} // namespace

bool is_core_attribute(const std::string& name) {
  return core().count(name) > 0;
}

std::optional<msg::error> check_attribute(const image_settings& settings, const std::string& name,
                                          const json& value, bool creating) {
  if (name.empty() || name.size() > max_string)
    return bad("Property names must have 1 to 255 characters.");
  if (read_only().count(name) || (name == "id" && !creating))
    return msg::error{msg::errc::forbidden, "Attribute '" + name + "' is read-only."};
  if (reserved().count(name) || name.starts_with("_"))
    return msg::error{msg::errc::forbidden, "Attribute '" + name + "' is reserved."};
  if (name == "id")
    return value.is_string() && is_uuid(value.get<std::string>())
               ? std::nullopt
               : std::optional{bad("Invalid value for 'id': it must be a UUID.")};
  if (name == "name" || name == "owner")
    return short_string(name, value, true);
  if (name == "visibility")
    return value.is_null() ? std::optional{bad("Invalid value for 'visibility': null.")}
                           : one_of(name, value, {"public", "private", "shared", "community"});
  if (name == "protected" || name == "os_hidden")
    return value.is_boolean()
               ? std::nullopt
               : std::optional{bad("Invalid value for '" + name + "': it must be a boolean.")};
  if (name == "min_ram" || name == "min_disk")
    return value.is_number_integer() && value.get<int64_t>() >= 0
               ? std::nullopt
               : std::optional{
                     bad("Invalid value for '" + name + "': it must be an integer of at least 0.")};
  if (name == "disk_format")
    return one_of(name, value, settings.disk_formats);
  if (name == "container_format")
    return one_of(name, value, settings.container_formats);
  if (name == "tags") {
    if (!value.is_array())
      return bad("Invalid value for 'tags': it must be an array of strings.");
    if (value.size() > settings.tag_quota)
      return msg::error{msg::errc::over_quota, "Maximum number of tags exceeded: at most " +
                                                   std::to_string(settings.tag_quota) + "."};
    for (auto& tag : value)
      if (auto err = short_string("tags", tag, false))
        return err;
    return std::nullopt;
  }
  if (name == "kernel_id" || name == "ramdisk_id")
    return value.is_null() || (value.is_string() && is_uuid(value.get<std::string>()))
               ? std::nullopt
               : std::optional{bad("Invalid value for '" + name + "': it must be a UUID or null.")};
  // A custom property: a string of at most 255 characters.
  return short_string(name, value, false);
}

json new_image_record(const std::string& id, const std::string& owner, int64_t now) {
  const auto stamp = iso_time(now);
  return {{"id", id},
          {"name", nullptr},
          {"status", "queued"},
          {"visibility", "shared"}, // Glance's default since Pike
          {"protected", false},
          {"os_hidden", false},
          {"checksum", nullptr},
          {"os_hash_algo", nullptr},
          {"os_hash_value", nullptr},
          {"owner", owner.empty() ? json(nullptr) : json(owner)},
          {"size", nullptr},
          {"virtual_size", nullptr},
          {"min_ram", 0},
          {"min_disk", 0},
          {"disk_format", nullptr},
          {"container_format", nullptr},
          {"tags", json::array()},
          {"created_at", stamp},
          {"updated_at", stamp}};
}

std::size_t custom_property_count(const json& image) {
  std::size_t n = 0;
  for (auto& [key, value] : image.items())
    if (!is_core_attribute(key) && !key.starts_with("_"))
      ++n;
  return n;
}

} // namespace stratus::image
