#include "tools/cluster/cluster_probe.hpp"

#include <unistd.h>


namespace stratus::tools {

cluster_probe::cluster_probe(const cluster_spec& c) {
  runtime::node_config cfg;
  cfg.name = "probe-" + std::to_string(::getpid());
  cfg.workers = 1;
  cfg.heartbeat = std::chrono::milliseconds{c.heartbeat_ms};
  cfg.liveness = c.liveness;
  cfg.curve_public_key = c.operator_public_key;  // empty unless the cluster uses CURVE
  cfg.curve_secret_key = c.operator_secret_key;
  for (auto& n : c.nodes)
    cfg.peers.push_back({n.name, n.bus(), n.curve_public_key});
  node_ = std::make_unique<runtime::node>(cfg, no_roles_);
  node_->start();
}

cluster_probe::~cluster_probe() = default;

runtime::outcome<msg::describe_node_reply> cluster_probe::describe(
  const std::string& node, std::chrono::milliseconds timeout) {
  if (!node_->wait_for_peer(node, timeout)) {
    runtime::outcome<msg::describe_node_reply> out;
    out.error = {msg::errc::unavailable, "node " + node + " does not answer"};
    return out;
  }
  return runtime::call(*node_, "mmi@" + node, msg::describe_node_request{}, timeout);
}

} // namespace stratus::tools
