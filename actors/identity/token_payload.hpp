#pragma once
// What a token carries, laid out as Keystone's Fernet payloads: a msgpack
// array [version, user_id, methods, (scope,) expires_at, [audit_id]
// (, application credential id)] where version says the scope (0 unscoped,
// 1 domain, 2 project, 8 system, 9 project through an application
// credential) and methods is a bit set. Everything else (names, roles, the catalog) is
// looked up at validation time, so tokens stay short.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::identity {

enum class token_scope : uint8_t {
  unscoped = 0,
  domain = 1,
  project = 2,
  system = 8,
  application_credential = 9, // a project, with the credential's roles only
};

struct token_payload {
  token_scope scope = token_scope::unscoped;
  std::string user_id;
  std::vector<std::string> methods; // "password", "token", "application_credential"
  std::string scope_id;             // project or domain id, or "all"
  double expires_at = 0;            // Unix seconds
  std::string audit_id;
  std::string application_credential_id; // scope application_credential only

  bool operator==(const token_payload&) const = default;
};

std::string encode_payload(const token_payload& p);

/// std::nullopt for anything that is not a payload this code wrote.
std::optional<token_payload> decode_payload(std::string_view bytes);

/// A fresh audit id: 16 random bytes, base64url without padding (22 chars).
std::string new_audit_id();

} // namespace stratus::identity
