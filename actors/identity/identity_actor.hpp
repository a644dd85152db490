#pragma once
// The identity role (Keystone v3).
//
// Interface (requests carry a msg::context first):
//   api_call_request          -> api_call_reply   (operations "identity:*")
//   validate_token_request    -> validate_token_reply | unauthorized
//   watch_revocations_request -> revocations_reply, then revocation_notice pushes
//   rotate_keys_request       -> rotate_keys_reply (the key repository rotated)
//
// All its records go through the conductor (table "identity"); it keeps
// them in memory and rebuilds them at start, then bootstraps what is
// missing. Requests that arrive while it loads wait in its mailbox.

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "identity". Settings: conductor ("conductor@<this node>"),
/// public_url, region, admin_user, admin_project, admin_password or
/// admin_password_file, token_ttl_seconds (86400), password_cost (12),
/// key_dir (<state dir>/fernet-keys), max_active_keys (3).
caf::actor spawn_identity(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
