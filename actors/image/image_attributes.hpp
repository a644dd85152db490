#pragma once
// Which image attributes a client may set, and to what: Glance's image
// schema (core attributes with their types, read-only and reserved ones,
// custom properties as strings of at most 255 characters) and the
// configured disk and container formats.

#include <optional>
#include <string>

#include "actors/image/image_api.hpp"

namespace stratus::image {

/// Checks `value` for attribute `name` as a client sets it; the error is
/// Glance's (400 for a bad value, 403 for read-only or reserved names).
/// `creating` admits `id`.
std::optional<msg::error> check_attribute(const image_settings& settings, const std::string& name,
                                          const json& value, bool creating);

/// Core attributes: a PATCH may not remove them.
bool is_core_attribute(const std::string& name);

/// A new image's record with every core attribute at its default.
json new_image_record(const std::string& id, const std::string& owner, int64_t now);

/// How many custom properties an image has (for image_property_quota).
std::size_t custom_property_count(const json& image);

} // namespace stratus::image
