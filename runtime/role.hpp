#pragma once
// What a role is to the runtime: a name, a factory that spawns its actor
// under the supervisor, and the environment the actor gets.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/fwd.hpp>

namespace stratus::runtime {

class directory;
class resources;

/// Live counters of one role, read by the introspection tool.
struct role_stats {
  std::atomic<uint64_t> handled{0};
  std::atomic<uint64_t> mailbox{0};
  std::atomic<uint64_t> restarts{0};
  std::atomic<bool> running{false};

  void set_last_error(std::string text);
  std::string last_error() const;

private:
  mutable std::mutex mu_;
  std::string last_error_;
};

/// Role-specific settings from the node config's [roles.<name>] table.
using role_settings = std::map<std::string, std::string>;

struct role_env {
  std::string node;
  std::string role;
  directory* dir = nullptr;
  resources* shared = nullptr;
  std::shared_ptr<role_stats> stats;
  role_settings settings;
  std::filesystem::path state_dir;  // this node's own state directory

  /// The setting `key`, or `fallback` when absent.
  std::string setting(const std::string& key, const std::string& fallback) const;
};

/// Spawns the role's actor as a linked child of `supervisor`.
using role_factory = std::function<caf::actor(caf::event_based_actor* supervisor, const role_env&)>;

/// Role name → factory; filled by the stratus-node executable.
class role_registry {
public:
  void add(const std::string& name, role_factory factory);
  const role_factory* find(const std::string& name) const;

private:
  std::map<std::string, role_factory> factories_;
};

/// Objects a role shares with co-located roles (the conductor's read-only
/// database handle, for instance), by name. Thread-safe.
class resources {
public:
  void put(const std::string& name, std::shared_ptr<void> value);
  template <class T>
  std::shared_ptr<T> get(const std::string& name) const {
    return std::static_pointer_cast<T>(get_raw(name));
  }

private:
  std::shared_ptr<void> get_raw(const std::string& name) const;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<void>> items_;
};

} // namespace stratus::runtime
