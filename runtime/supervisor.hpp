#pragma once
// The supervisor: spawns every role of a node as a linked child and restarts
// a child that dies abnormally, with exponential back-off. Past the
// intensity limit (too many restarts within the window) it gives up: the
// escalation callback runs once and the supervisor quits, so that the node
// exits non-zero and whoever started it can restart it.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "runtime/role.hpp"

namespace stratus::runtime {

struct supervisor_options {
  int max_restarts = 5;                          // per role within `window`
  std::chrono::milliseconds window{30000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10000};
};

struct supervised_role {
  role_factory factory;
  role_env env;
};

/// Called once when the intensity limit is passed; the text names the role.
using escalation_handler = std::function<void(const std::string& reason)>;

caf::actor spawn_supervisor(caf::actor_system& sys, std::vector<supervised_role> roles,
                            supervisor_options opts, escalation_handler on_escalate);

} // namespace stratus::runtime
