#pragma once
// Messages of the console role (Nova's console auth tokens and proxies):
//   compute-api → compute@<host>  get_console (where the guest's VNC and
//                                 serial consoles listen)
//   compute-api → console         authorize_console (a token for one of them)
//   the console's proxy → console check_console_token (a websocket's token:
//                                 good once, before it expires)

#include <cstdint>
#include <string>

#include "messages/record.hpp"

namespace stratus::msg {

struct get_console_reply {
  STRATUS_MESSAGE("compute.get_console_reply", 1, 1) // 1: initial
  std::string vnc;    // "host:port", "" if the guest has none
  std::string serial; // "host:port", "" if the guest has none
  STRATUS_FIELDS(vnc, serial)
};

/// Where a running guest's consoles are (Nova's get_vnc_console and
/// get_serial_console on the compute host).
struct get_console_request {
  STRATUS_MESSAGE("compute.get_console_request", 1, 1) // 1: initial
  using reply_type = get_console_reply;
  std::string uuid;
  STRATUS_FIELDS(uuid)
};

struct authorize_console_reply {
  STRATUS_MESSAGE("console.authorize_console_reply", 1, 1) // 1: initial
  std::string token;
  int64_t expires_at = 0; // unix seconds
  STRATUS_FIELDS(token, expires_at)
};

/// A single-use token for one console of one guest (Nova's
/// ConsoleAuthToken), valid for the console role's `token_ttl`.
struct authorize_console_request {
  STRATUS_MESSAGE("console.authorize_console_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = authorize_console_reply;
  std::string instance_uuid;
  std::string console_type; // "novnc" or "serial"
  std::string host;         // where the console listens
  uint16_t port = 0;
  STRATUS_FIELDS(instance_uuid, console_type, host, port)
};

struct check_console_token_reply {
  STRATUS_MESSAGE("console.check_console_token_reply", 1, 1) // 1: initial
  std::string instance_uuid;
  std::string host;
  uint16_t port = 0;
  STRATUS_FIELDS(instance_uuid, host, port)
};

/// Validates and uses up a token: answers its console if the token is
/// known, of `console_type`, unexpired and unused; not_found otherwise.
struct check_console_token_request {
  STRATUS_MESSAGE("console.check_console_token_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = check_console_token_reply;
  std::string token;
  std::string console_type;
  STRATUS_FIELDS(token, console_type)
};

} // namespace stratus::msg
