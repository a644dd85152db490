#pragma once
// The context every request carries: who asks, for which request, until when.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

/// The caller's identity as the gateway established it.
struct auth {
  static constexpr const char* type_name = "auth";
  std::string user_id;
  std::string project_id;
  std::string domain_id;
  std::vector<std::string> roles;  // role names
  std::string user_domain_id;
  std::string system_scope;        // "all" when the token is system-scoped
  std::string project_domain_id;   // the domain of the token's project
  STRATUS_FIELDS(user_id, project_id, domain_id, roles, user_domain_id, system_scope,
                 project_domain_id)
};

/// Travels with every request, locally next to the message and remotely in
/// the envelope. Deadlines propagate: a callee never works past it.
struct context {
  static constexpr const char* type_name = "context";
  std::string request_id;        // "req-<uuid>", returned as x-openstack-request-id
  std::string trace_id;
  int64_t deadline_unix_us = 0;  // 0 = no deadline
  auth caller;
  std::string client_id;         // with `sequence`: deduplicates retried requests
  uint64_t sequence = 0;         // 0 = not deduplicated
  STRATUS_FIELDS(request_id, trace_id, deadline_unix_us, caller, client_id, sequence)
};

} // namespace stratus::msg
