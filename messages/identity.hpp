#pragma once
// Messages of the identity role that other roles (the gateway) use besides
// the API operations: token validation and the revocation events that let
// every gateway drop a revoked token at once.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

/// What a valid token stands for.
/// Appended fields: application_credential_id (validate_token_reply v2).
struct token_info {
  static constexpr const char* type_name = "identity.token_info";
  std::string user_id;
  std::string user_name;
  std::string user_domain_id;
  std::string project_id; // project scope
  std::string project_domain_id;
  std::string domain_id;          // domain scope
  std::string system_scope;       // "all" for system scope
  std::vector<std::string> roles; // role names, implied ones included
  std::string audit_id;
  std::vector<std::string> methods;
  int64_t issued_at = 0;                 // Unix seconds
  int64_t expires_at = 0;                // Unix seconds
  std::string application_credential_id; // tokens made with one: its roles only
  STRATUS_FIELDS(user_id, user_name, user_domain_id, project_id, project_domain_id, domain_id,
                 system_scope, roles, audit_id, methods, issued_at, expires_at,
                 application_credential_id)
};

struct validate_token_reply {
  STRATUS_MESSAGE("identity.validate_token_reply", 2,
                  1) // 1: initial; 2: token.application_credential_id
  token_info token;
  STRATUS_FIELDS(token)
};

/// Validates a token; unauthorized (or not_found) when it is not valid.
struct validate_token_request {
  STRATUS_MESSAGE("identity.validate_token_request", 1, 1) // 1: initial
  using reply_type = validate_token_reply;
  std::string token;
  STRATUS_FIELDS(token)
};

/// Tokens issued at or before `issued_before` that match every non-empty
/// field are revoked (Keystone's revocation events). Appended fields:
/// application_credential_id (v2 of the messages carrying events; older
/// readers would take such an event for "every token", hence compat 2).
struct revocation_event {
  static constexpr const char* type_name = "identity.revocation_event";
  std::string user_id;
  std::string project_id;
  std::string audit_id;
  int64_t issued_before = 0; // Unix seconds
  int64_t expires_at = 0;    // when the event stops mattering (Unix seconds)
  std::string application_credential_id;
  STRATUS_FIELDS(user_id, project_id, audit_id, issued_before, expires_at,
                 application_credential_id)

  bool operator==(const revocation_event&) const = default;

  bool matches(const token_info& t) const {
    return t.issued_at <= issued_before && (user_id.empty() || user_id == t.user_id) &&
           (project_id.empty() || project_id == t.project_id) &&
           (audit_id.empty() || audit_id == t.audit_id) &&
           (application_credential_id.empty() ||
            application_credential_id == t.application_credential_id);
  }
};

struct revocations_reply {
  STRATUS_MESSAGE("identity.revocations_reply", 2,
                  2) // 1: initial; 2: events' application_credential_id
  std::vector<revocation_event> events;
  STRATUS_FIELDS(events)
};

/// Registers `subscriber` ("gateway@ctl-1") for revocation_notice pushes and
/// answers with every event still in force.
struct watch_revocations_request {
  STRATUS_MESSAGE("identity.watch_revocations_request", 1, 1) // 1: initial
  using reply_type = revocations_reply;
  std::string subscriber;
  STRATUS_FIELDS(subscriber)
};

/// Pushed to every subscriber when a token, a user or an assignment is revoked.
struct revocation_notice {
  STRATUS_MESSAGE("identity.revocation_notice", 2,
                  2) // 1: initial; 2: event.application_credential_id
  static constexpr bool notice = true;
  revocation_event event;
  STRATUS_FIELDS(event)
};

} // namespace stratus::msg

namespace stratus::msg {

struct rotate_keys_reply {
  STRATUS_MESSAGE("identity.rotate_keys_reply", 1, 1) // 1: initial
  uint32_t active_keys = 0;
  STRATUS_FIELDS(active_keys)
};

/// Rotates the Fernet key repository (keystone-manage fernet_rotate).
struct rotate_keys_request {
  STRATUS_MESSAGE("identity.rotate_keys_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = rotate_keys_reply;
  std::string reason; // for the log
  STRATUS_FIELDS(reason)
};

} // namespace stratus::msg
