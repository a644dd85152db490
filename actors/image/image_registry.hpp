#pragma once
// The registry (Glance's image metadata): every image and image member as a
// JSON record, cached in the image role and written through the conductor to
// its "image" table under "image/<id>" and "member/<image id>/<project id>",
// msgpack-encoded. Attributes whose names start with '_' are private.
//
// Images are also indexed by (created_at, id), Glance's default listing
// order, so that a page of a listing costs its own length, not the catalog's.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/common/json_fields.hpp"
#include "actors/common/record_change.hpp"

namespace stratus::image {

using json = nlohmann::json;

/// One change for the conductor: kind "image" (id = image id) or "member"
/// (id = "<image id>/<member id>"); no value erases the record.
using registry_change = record_change;

class image_registry {
public:
  using created_key = std::pair<std::string, std::string>; // (created_at, id)

  const json* image(const std::string& id) const;
  const std::map<std::string, json>& images() const {
    return images_;
  }
  /// Every image id in (created_at, id) order.
  const std::set<created_key>& by_created() const {
    return by_created_;
  }

  const json* member(const std::string& image_id, const std::string& member_id) const;
  /// The members of an image, by member (project) id.
  const std::map<std::string, json>& members_of(const std::string& image_id) const;

  /// Bytes of image data a project owns (Glance's user_storage_quota usage).
  uint64_t stored_bytes(const std::string& owner) const;

  /// An image as the API renders it (`render` of its record), kept until the
  /// image changes: a listing page is then mostly string concatenation.
  const std::string& rendered(const std::string& id,
                              const std::function<std::string(const json&)>& render) const;

  /// Applies a change; returns the change that undoes it.
  registry_change apply(const registry_change& c);

  /// The conductor key of a record: "<kind>/<id>".
  static std::string record_key(const std::string& kind, const std::string& id) {
    return kind + "/" + id;
  }
  static std::string member_record_id(const std::string& image_id, const std::string& member_id) {
    return image_id + "/" + member_id;
  }

private:
  void index(const json& image, bool add);

  std::map<std::string, json> images_;
  std::set<created_key> by_created_;
  std::map<std::string, std::map<std::string, json>> members_; // image id → member id → record
  std::map<std::string, uint64_t> stored_;                     // owner → bytes
  mutable std::unordered_map<std::string, std::string> rendered_; // image id → its JSON
};

using json_fields::count;
using json_fields::flag;
using json_fields::str;
using json_fields::strings;

} // namespace stratus::image
