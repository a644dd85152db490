#pragma once
// A change to one record of a role's table, as roles keep their records:
// JSON by kind and id, stored by the conductor under "<kind>/<id>",
// msgpack-encoded. No value means the record goes.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace stratus {

struct record_change {
  std::string kind;
  std::string id;
  std::optional<nlohmann::json> value;
  /// The write fails if the record exists: a guard that only one writer
  /// may take (a network segment, an IP address).
  bool create_only = false;
};

} // namespace stratus
