#include "actors/gateway/token_cache.hpp"

#include <algorithm>

namespace stratus::gateway {

token_cache::token_cache(int64_t ttl_seconds, std::size_t capacity)
    : ttl_(ttl_seconds), capacity_(capacity) {}

std::optional<msg::token_info> token_cache::find(const std::string& token, int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end() || it->second.trusted_until <= now || it->second.info.expires_at <= now)
    return std::nullopt;
  return it->second.info;
}

void token_cache::put(const std::string& token, const msg::token_info& info, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (revoked(info))
    return;
  if (entries_.size() >= capacity_)
    entries_.clear();
  entries_[token] = entry{info, now + ttl_};
}

void token_cache::revoke(const msg::revocation_event& e, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(events_, [now](const msg::revocation_event& x) { return x.expires_at < now; });
  if (std::find(events_.begin(), events_.end(), e) == events_.end())
    events_.push_back(e);
  std::erase_if(entries_, [&e](const auto& kv) { return e.matches(kv.second.info); });
}

std::size_t token_cache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

bool token_cache::is_revoked(const msg::token_info& info) const {
  std::lock_guard<std::mutex> lock(mu_);
  return revoked(info);
}

bool token_cache::revoked(const msg::token_info& info) const {
  return std::any_of(events_.begin(), events_.end(),
                     [&info](const msg::revocation_event& e) { return e.matches(info); });
}

} // namespace stratus::gateway
