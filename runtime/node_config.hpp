#pragma once
// A node's configuration, read from the TOML file `stratus-node --config`
// names (the launcher writes one per node):
//
//   [node]
//   name = "ctl-1"
//   bus = "tcp://127.0.0.1:7301"       # ROUTER bind address; omit for a client
//   roles = ["conductor", "echo"]
//   state_dir = "var/ctl-1"
//   log_level = "info"
//   workers = 1                        # CAF scheduler threads
//   scheduler = "sharing"              # or "stealing" (throughput over latency)
//   curve_public_key = "…"             # optional: CURVE encryption (Z85)
//   curve_secret_key = "…"
//   curve_clients = ["…"]              # client keys allowed besides the peers'
//   [transport]
//   heartbeat_ms = 1000
//   liveness = 3
//   [supervisor]
//   max_restarts = 5
//   window_ms = 30000
//   backoff_initial_ms = 100
//   backoff_max_ms = 10000
//   [roles.conductor]                  # role-specific settings, as strings
//   durable = true
//   [[peer]]
//   name = "cmp-1"
//   bus = "tcp://127.0.0.1:7302"
//   curve_public_key = "…"

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/role.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/transport.hpp"

namespace stratus::runtime {

struct node_config {
  std::string name;
  std::string bus;
  std::vector<std::string> roles;
  std::map<std::string, role_settings> settings;  // per role
  std::vector<peer_endpoint> peers;
  std::filesystem::path state_dir;
  std::string log_level = "info";
  int workers = 1;  // one CAF worker: no cross-worker wake-ups on small machines
  std::string scheduler = "sharing";
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 3;
  supervisor_options supervision;
  std::string curve_public_key;
  std::string curve_secret_key;
  std::vector<std::string> curve_clients;  // with the peers' keys: who may connect
};

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads and validates a node config; throws config_error naming the file,
/// the key and what is wrong.
node_config load_node_config(const std::filesystem::path& file);

/// Parses a node config from TOML text (`origin` names it in errors).
node_config parse_node_config(const std::string& text, const std::string& origin);

} // namespace stratus::runtime
