#pragma once
// The cluster file the launcher reads, and the node configs it writes.
//
//   [cluster]
//   heartbeat_ms = 1000
//   liveness = 3
//   curve = false             # true: every node gets a CURVE key pair
//   api_host = "127.0.0.1"    # where the gateway listens for the OpenStack APIs
//   api_port = 0              # 0 = any free port, chosen at the first `up`
//   [roles.identity]          # settings for every node hosting the role
//   password_cost = "12"
//   [[node]]
//   name = "ctl-1"
//   roles = ["conductor", "echo"]
//   port = 0                  # 0 = any free port on 127.0.0.1
//   host = "127.0.0.1"        # the bus address
//   host_kind = "netns"       # what the node's network roles run in, see host_network.hpp
//   bus_host = "198.51.100.1" # written by the launcher only, see node_spec::bus_host
//
// With no file the launcher uses the all-in-one layout: one controller and
// two compute nodes on loopback.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace stratus::tools {

struct node_spec {
  std::string name;
  std::vector<std::string> roles;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string curve_public_key;
  std::string curve_secret_key;
  /// The kind of host: "self", "netns", "uml" or "" for the default (see
  /// host_network.hpp). Its key is `host_kind` since `host` is the bus address.
  std::string host_kind;
  /// Where the bus really is when the launcher had to move it off `host`
  /// (plan_host_network: a user-mode Linux node binds on its underlay
  /// address, and the others then on the root namespace's one, so that it
  /// reaches them); "" = `host`. Recorded in the state so that the tools
  /// reach the nodes; `host` stays what the cluster file says.
  std::string bus_host;
  /// The node's place on its cluster's underlay (1, 2, …), recorded so that
  /// its address survives restarts; after plan_host_network, > 0 exactly
  /// for the nodes that get a namespace.
  int host_index = 0;

  /// The address the bus binds on and peers connect to.
  const std::string& bus_ip() const { return bus_host.empty() ? host : bus_host; }
  std::string bus() const { return "tcp://" + bus_ip() + ":" + std::to_string(port); }
};

struct cluster_spec {
  int heartbeat_ms = 1000;
  int liveness = 3;
  bool curve = false;
  // With CURVE: the key pair of the operator's tools (launcher, inspector),
  // which every node accepts as a client besides its peers.
  std::string operator_public_key;
  std::string operator_secret_key;
  // Started without a cluster file: the node roles follow this binary's
  // all-in-one layout at every `up`, so an upgrade brings its new roles.
  bool all_in_one_layout = false;
  std::string api_host = "127.0.0.1";
  int api_port = 0;
  /// Names the cluster's namespaces and underlay devices; chosen at the
  /// first `up` (see host_network.hpp) and recorded so `down` finds them.
  std::string cluster_id;
  /// The root namespace's address on the provider bridge ("172.24.4.1/24"
  /// in the all-in-one layout, as devstack's br-ex): the machine itself
  /// is then "the outside" of a flat external network on physnet1, and
  /// reaches its floating IPs. Empty: no address.
  std::string provider_address;
  std::map<std::string, std::map<std::string, std::string>> role_settings;
  std::vector<node_spec> nodes;
  // Not in the file: where the launcher keeps the admin password.
  std::filesystem::path admin_password_file;

  const node_spec* find(const std::string& name) const;
  /// The gateway's URL as clients reach it.
  std::string api_url() const { return "http://" + api_host + ":" + std::to_string(api_port); }
};

/// One controller (conductor, identity, gateway, echo) and two compute nodes (echo).
cluster_spec all_in_one();

/// Reads a cluster file; throws std::runtime_error naming the problem.
cluster_spec load_cluster(const std::filesystem::path& file);

/// Writes the cluster file (ports and keys resolved).
void save_cluster(const cluster_spec& c, const std::filesystem::path& file);

/// Writes the stratus-node config of node `n` (peers: every other node).
void write_node_config(const cluster_spec& c, const node_spec& n,
                       const std::filesystem::path& state_dir,
                       const std::filesystem::path& file);

/// Where everything of a cluster lives under its state directory.
struct state_layout {
  std::filesystem::path root;
  std::filesystem::path cluster_file() const { return root / "cluster.toml"; }
  std::filesystem::path node_config(const std::string& n) const { return root / "nodes" / (n + ".toml"); }
  std::filesystem::path node_dir(const std::string& n) const { return root / "nodes" / n; }
  std::filesystem::path log_file(const std::string& n) const { return root / "logs" / (n + ".log"); }
  std::filesystem::path pid_file(const std::string& n) const { return root / "run" / (n + ".pid"); }
  std::filesystem::path admin_password() const { return root / "admin-password"; }
  std::filesystem::path openrc() const { return root / "openrc"; }
};

/// The cluster recorded in a state directory; throws if there is none.
cluster_spec load_state(const state_layout& s);

} // namespace stratus::tools
