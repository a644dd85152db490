#pragma once
// The REST gateway role: one HTTP listener serving every OpenStack API
// under its path prefix (/identity, /image, /compute, /network,
// /placement). It authenticates, enforces policy and translates HTTP to
// api_call_request messages and back; it holds no business logic.
//
// Interface: revocation_notice (pushed by the identity role).

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "gateway". Settings: listen ("127.0.0.1:5000"; port 0 =
/// any free port, published as the shared resource "gateway.port"),
/// http_threads (1), public_url (default: from the Host header),
/// policy_file, token_cache_seconds (300), max_body_bytes (114688),
/// call_timeout_ms (60000), identity ("identity@<this node>"), key_dir
/// (the identity role's key repository, if readable here:
/// <state dir>/fernet-keys).
caf::actor spawn_gateway(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
