#include "runtime/role.hpp"

namespace stratus::runtime {

void role_stats::set_last_error(std::string text) {
  std::lock_guard<std::mutex> g{mu_};
  last_error_ = std::move(text);
}

std::string role_stats::last_error() const {
  std::lock_guard<std::mutex> g{mu_};
  return last_error_;
}

std::string role_env::setting(const std::string& key, const std::string& fallback) const {
  auto i = settings.find(key);
  return i == settings.end() ? fallback : i->second;
}

void role_registry::add(const std::string& name, role_factory factory) {
  factories_[name] = std::move(factory);
}

const role_factory* role_registry::find(const std::string& name) const {
  auto i = factories_.find(name);
  return i == factories_.end() ? nullptr : &i->second;
}

void resources::put(const std::string& name, std::shared_ptr<void> value) {
  std::lock_guard<std::mutex> g{mu_};
  items_[name] = std::move(value);
}

std::shared_ptr<void> resources::get_raw(const std::string& name) const {
  std::lock_guard<std::mutex> g{mu_};
  auto i = items_.find(name);
  return i == items_.end() ? nullptr : i->second;
}

} // namespace stratus::runtime
