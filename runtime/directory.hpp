#pragma once
// The directory: "role@node" → an actor handle. A local role resolves to its
// current actor, a remote one to a proxy that forwards over the transport;
// callers cannot tell the difference. Thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>

#include "runtime/role.hpp"

namespace stratus::runtime {

class directory {
public:
  explicit directory(std::string local_node);

  const std::string& local_node() const noexcept { return local_node_; }

  /// Splits "role@node" (a bare "role" means this node).
  std::pair<std::string, std::string> split(const std::string& name) const;

  /// Declares a role hosted here (before it first runs).
  void declare_local(const std::string& role);
  /// Records the current actor of a local role (after every restart).
  void bind_local(const std::string& role, caf::actor handle);
  /// Forgets a local role's actor while it is down.
  void unbind_local(const std::string& role);
  /// The roles hosted here, in declaration order.
  std::vector<std::string> local_roles() const;
  /// The counters of a local role (created on first use).
  std::shared_ptr<role_stats> stats_of(const std::string& role);

  /// Makes proxies for remote names; set once by the node.
  void set_proxy_factory(std::function<caf::actor(const std::string& role, const std::string& node)> f);

  /// A handle for "role@node" or "role". Invalid when a local role is not
  /// running or not hosted here.
  caf::actor resolve(const std::string& name);

  /// Forgets every handle (at shutdown: CAF waits for the last reference to
  /// each actor) and returns the proxies so they can be stopped.
  std::vector<caf::actor> clear();

private:
  std::string local_node_;
  mutable std::mutex mu_;
  std::vector<std::string> order_;
  std::map<std::string, caf::actor> local_;
  std::map<std::string, std::shared_ptr<role_stats>> stats_;
  std::map<std::string, caf::actor> proxies_;
  std::function<caf::actor(const std::string&, const std::string&)> proxy_factory_;
};

} // namespace stratus::runtime
