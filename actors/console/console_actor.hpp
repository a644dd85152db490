#pragma once
// The console role (Nova's console auth tokens with nova-novncproxy and
// nova-serialproxy): it issues single-use console tokens with a short
// life, kept through the conductor as Nova keeps them in its database (by
// their SHA-256, never the token itself), and runs two websocket proxies —
// noVNC's (serving Debian's novnc files, so the URL opens a console in a
// browser) and the serial console's — that take a token once and relay
// bytes to the guest's console on its host.
//
// Interface (typed messages):
//   authorize_console_request   → authorize_console_reply   (compute-api)
//   check_console_token_request → check_console_token_reply (its proxies)

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "console". Settings: conductor, token_ttl (600 s),
/// novnc_listen ("127.0.0.1:6080"), serial_listen ("127.0.0.1:6083"),
/// novnc_dir ("/usr/share/novnc").
caf::actor spawn_console(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
