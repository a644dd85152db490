#pragma once
// Issues and validates tokens, and renders the token body and the service
// catalog. A token carries only its payload (token_payload.hpp); roles,
// names and the catalog are looked up in the store at validation time, so
// a disabled user, a removed role or a deleted project takes effect at once.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

#include "actors/identity/identity_store.hpp"
#include "actors/identity/key_repository.hpp"
#include "actors/identity/token_payload.hpp"
#include "messages/identity.hpp"

namespace stratus::identity {

/// Why a token is not valid (always answered as 401/404, never explained
/// further to the client).
struct token_refusal {
  std::string reason;
};

class token_service {
public:
  token_service(const identity_store& store, key_repository& keys, int64_t ttl_seconds);

  /// The token string for `p`, stamped `now`.
  std::string encrypt(const token_payload& p, int64_t now) const;

  /// A valid token's contents, or why it is refused.
  std::variant<msg::token_info, token_refusal> validate(const std::string& token,
                                                        int64_t now) const;

  /// What the token of `p` stands for, checked against the store: the user
  /// enabled, the scope target enabled, and the user holding a role there.
  std::variant<msg::token_info, token_refusal> resolve(const token_payload& p,
                                                       int64_t issued_at) const;

  /// {"token": {...}} as Keystone renders it, serialized.
  std::string render(const msg::token_info& t, bool with_catalog) const;

  /// The catalog of enabled services and their endpoints (cached).
  const json& catalog() const;

  /// validate() then render(), remembered per token until anything in the
  /// store changes (a revocation included) or the token expires: a token
  /// checked again and again costs a lookup.
  std::variant<std::pair<msg::token_info, std::string>, token_refusal>
  validate_and_render(const std::string& token, bool with_catalog, int64_t now) const;

  int64_t ttl() const {
    return ttl_;
  }

  /// Rotates the key repository; tokens whose key is gone stop validating
  /// at once. Returns how many keys are active.
  std::size_t rotate_keys();

  /// ISO 8601 with microseconds and a Z, as Keystone writes times.
  static std::string iso_time(double unix_seconds);

private:
  const identity_store& store_;
  key_repository& keys_;
  int64_t ttl_;
  /// The catalog and its serialized form, rebuilt when the store changes.
  void refresh_catalog() const;

  struct rendered {
    msg::token_info info;
    std::string body[2]; // without, with the catalog
  };

  mutable json catalog_;
  mutable std::string catalog_text_;
  mutable uint64_t catalog_generation_ = 0;
  mutable std::unordered_map<std::string, rendered> rendered_;
  mutable uint64_t rendered_generation_ = 0;
};

} // namespace stratus::identity
