#include "runtime/directory.hpp"

#include <algorithm>

namespace stratus::runtime {

directory::directory(std::string local_node) : local_node_(std::move(local_node)) {}

std::pair<std::string, std::string> directory::split(const std::string& name) const {
  auto at = name.find('@');
  if (at == std::string::npos)
    return {name, local_node_};
  return {name.substr(0, at), name.substr(at + 1)};
}

void directory::declare_local(const std::string& role) {
  std::lock_guard<std::mutex> g{mu_};
  if (std::find(order_.begin(), order_.end(), role) == order_.end())
    order_.push_back(role);
  local_.emplace(role, caf::actor{});
}

void directory::bind_local(const std::string& role, caf::actor handle) {
  std::lock_guard<std::mutex> g{mu_};
  local_[role] = std::move(handle);
}

void directory::unbind_local(const std::string& role) {
  std::lock_guard<std::mutex> g{mu_};
  local_[role] = caf::actor{};
}

std::vector<std::string> directory::local_roles() const {
  std::lock_guard<std::mutex> g{mu_};
  return order_;
}

std::shared_ptr<role_stats> directory::stats_of(const std::string& role) {
  std::lock_guard<std::mutex> g{mu_};
  auto& s = stats_[role];
  if (!s)
    s = std::make_shared<role_stats>();
  return s;
}

void directory::set_proxy_factory(
  std::function<caf::actor(const std::string&, const std::string&)> f) {
  std::lock_guard<std::mutex> g{mu_};
  proxy_factory_ = std::move(f);
}

caf::actor directory::resolve(const std::string& name) {
  auto [role, node] = split(name);
  std::lock_guard<std::mutex> g{mu_};
  if (node == local_node_) {
    auto i = local_.find(role);
    return i == local_.end() ? caf::actor{} : i->second;
  }
  const std::string key = role + "@" + node;
  if (auto i = proxies_.find(key); i != proxies_.end())
    return i->second;
  if (!proxy_factory_)
    return {};
  auto proxy = proxy_factory_(role, node);
  proxies_.emplace(key, proxy);
  return proxy;
}

std::vector<caf::actor> directory::clear() {
  std::lock_guard<std::mutex> g{mu_};
  for (auto& [role, handle] : local_)
    handle = nullptr;
  std::vector<caf::actor> out;
  for (auto& [name, proxy] : proxies_)
    out.push_back(proxy);
  proxies_.clear();
  proxy_factory_ = nullptr;
  return out;
}

} // namespace stratus::runtime
