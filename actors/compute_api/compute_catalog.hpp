#pragma once
// What the compute API keeps itself (Nova's API database): flavors with
// their extra specs and access lists, key pairs, server groups and quota
// limits. JSON records in the conductor's "compute" table, as
// "flavor/<id>", "keypair/<user>/<name>", "server_group/<uuid>" and
// "quota/<project>"; instances belong to the compute-conductor.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/record_change.hpp"

namespace stratus::compute {

using json = nlohmann::json;

/// Nova's default quota limits (nova.conf [quota]); -1 = unlimited.
const std::map<std::string, int64_t>& default_quotas();

class compute_catalog {
public:
  const json* flavor(const std::string& id) const;
  const std::map<std::string, json>& flavors() const {
    return flavors_;
  }
  const json* keypair(const std::string& user, const std::string& name) const;
  /// A user's key pairs by name.
  std::map<std::string, const json*> keypairs_of(const std::string& user) const;
  const json* server_group(const std::string& id) const;
  const std::map<std::string, json>& server_groups() const {
    return groups_;
  }
  /// A project's limit for `resource` (its own, else the default).
  int64_t quota(const std::string& project, const std::string& resource) const;
  const json* quota_record(const std::string& project) const;

  /// Stores (or, without a value, removes) a record; returns the change to
  /// write. Kinds: "flavor", "keypair" (id "<user>/<name>"), "server_group",
  /// "quota".
  record_change put(const std::string& kind, const std::string& id, std::optional<json> value);
  /// Applies a stored record (at load). Records of other kinds are ignored.
  void apply(const record_change& c);

private:
  std::map<std::string, json>* table(const std::string& kind);

  std::map<std::string, json> flavors_;
  std::map<std::string, json> keypairs_; // "<user>/<name>"
  std::map<std::string, json> groups_;
  std::map<std::string, json> quotas_;
};

} // namespace stratus::compute
