#pragma once
// Validated tokens, kept for a short while so that most requests need no
// message to the identity role (keystonemiddleware's token cache). The
// revocation events the identity role pushes drop matching entries at
// once, and are kept until they expire so that a validation racing with a
// revocation cannot bring a revoked token back. Thread-safe: the HTTP
// threads read it, the gateway actor feeds it events.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/identity.hpp"

namespace stratus::gateway {

class token_cache {
public:
  /// `ttl_seconds`: how long a validation is trusted; `capacity`: most
  /// tokens held (the cache is emptied when full).
  token_cache(int64_t ttl_seconds, std::size_t capacity);

  std::optional<msg::token_info> find(const std::string& token, int64_t now) const;
  void put(const std::string& token, const msg::token_info& info, int64_t now);
  /// Drops every cached token the event matches, and remembers the event.
  void revoke(const msg::revocation_event& e, int64_t now);
  std::size_t size() const;
  /// Whether a revocation event the cache knows matches the token.
  bool is_revoked(const msg::token_info& info) const;

private:
  struct entry {
    msg::token_info info;
    int64_t trusted_until = 0;
  };
  bool revoked(const msg::token_info& info) const;

  int64_t ttl_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, entry> entries_;
  std::vector<msg::revocation_event> events_;
};

} // namespace stratus::gateway
