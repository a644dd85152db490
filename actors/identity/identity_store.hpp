#pragma once
// The identity role's read cache: every identity record (domains, projects,
// users, …) as JSON objects by kind and id, rebuilt from the conductor at
// start. Records live in the conductor's "identity" table under the key
// "<kind>/<id>", msgpack-encoded. Attributes whose names start with '_'
// (the password hash) are private: never rendered.
//
// The derived queries (effective roles, the catalog) are answered from here,
// so that validating a token needs no message to anyone.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/common/record_change.hpp"
#include "messages/identity.hpp"

namespace stratus::identity {

using json = nlohmann::json;

/// One change for the conductor: a record written, or erased (no value).
using store_change = record_change;

/// Where a role is assigned: a project, a domain, or the system ("all").
enum class target_type { project, domain, system };

class identity_store {
public:
  const json* find(const std::string& kind, const std::string& id) const;
  /// Every record of `kind`, by id.
  const std::map<std::string, json>& all(const std::string& kind) const;

  /// Applies a change to the cache (the conductor is written separately);
  /// returns the change that undoes it.
  store_change apply(const store_change& c);

  /// The first record of `kind` whose attribute `attr` equals `value` and,
  /// when `domain_id` is given, whose domain_id equals it.
  const json* find_by(const std::string& kind, const std::string& attr, const std::string& value,
                      const std::string* domain_id = nullptr) const;

  /// Role ids the user holds on a target: direct, through groups, and
  /// implied by those (admin → member → reader).
  std::set<std::string> effective_roles(const std::string& user_id, target_type type,
                                        const std::string& target_id) const;

  /// Roles implied by `roles`, `roles` included.
  std::set<std::string> with_implied(std::set<std::string> roles) const;

  /// Group ids the user belongs to.
  std::vector<std::string> groups_of(const std::string& user_id) const;

  /// Bumped by every change: lets callers cache what they derive.
  uint64_t generation() const {
    return generation_;
  }

  static std::string record_key(const std::string& kind, const std::string& id) {
    return kind + "/" + id;
  }

private:
  std::map<std::string, std::map<std::string, json>> kinds_;
  uint64_t generation_ = 1;
};

/// Safe readers of record attributes (str, flag, strings).
using json_fields::flag;
using json_fields::str;
using json_fields::strings;

/// Revocation events as the store keeps them (kind "revocation").
json revocation_record(const msg::revocation_event& e);
msg::revocation_event revocation_from_record(const json& r);

/// Assignment record ids: "<type>:<actor id>:<target id>:<role id>", where
/// type is UserProject, GroupProject, UserDomain, GroupDomain, UserSystem or
/// GroupSystem (Keystone's names).
std::string assignment_id(const std::string& type, const std::string& actor,
                          const std::string& target, const std::string& role);

} // namespace stratus::identity
