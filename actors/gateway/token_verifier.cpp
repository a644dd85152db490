#include "actors/gateway/token_verifier.hpp"

#include "actors/gateway/token_cache.hpp"
#include "actors/identity/fernet.hpp"
#include "actors/identity/key_repository.hpp"
#include "actors/identity/token_payload.hpp"

namespace stratus::gateway {
token_verifier::token_verifier(std::filesystem::path key_dir,
                               std::chrono::milliseconds reload_interval)
    : dir_(std::move(key_dir)), reload_interval_(reload_interval) {
  reload();
}

token_verifier::~token_verifier() = default;

bool token_verifier::has_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_ && !keys_->empty();
}

void token_verifier::reload() {
  std::shared_ptr<const key_set> fresh;
  try {
    if (!dir_.empty())
      fresh = std::make_shared<const key_set>(identity::read_keys(dir_));
  } catch (const std::exception&) {
    // Not readable here (yet): the identity role decides alone.
  }
  std::lock_guard<std::mutex> lock(mu_);
  keys_ = std::move(fresh);
  loaded_at_ = std::chrono::steady_clock::now();
}

std::shared_ptr<const token_verifier::key_set> token_verifier::current() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

std::optional<std::string> token_verifier::refusal(const std::string& token, int64_t now,
                                                   const token_cache& revocations) {
  auto keys = current();
  if (!keys || keys->empty())
    return std::nullopt;
  auto opened = identity::fernet_decrypt(*keys, token, static_cast<uint64_t>(now));
  if (!opened.plaintext && opened.error == identity::fernet_error::bad_signature) {
    // Perhaps signed with a key made after our copy: never refuse on stale keys.
    bool stale = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stale = std::chrono::steady_clock::now() - loaded_at_ >= reload_interval_;
    }
    if (!stale)
      return std::nullopt;
    reload();
    if (auto fresh = current())
      opened = identity::fernet_decrypt(*fresh, token, static_cast<uint64_t>(now));
  }
  if (!opened.plaintext)
    return "token signature or format invalid";
  auto payload = identity::decode_payload(*opened.plaintext);
  if (!payload)
    return "token payload invalid";
  if (payload->expires_at <= static_cast<double>(now))
    return "token expired";
  msg::token_info info;
  info.user_id = payload->user_id;
  if (payload->scope == identity::token_scope::project ||
      payload->scope == identity::token_scope::application_credential)
    info.project_id = payload->scope_id;
  info.audit_id = payload->audit_id;
  info.application_credential_id = payload->application_credential_id;
  info.issued_at = static_cast<int64_t>(opened.issued_at);
  if (revocations.is_revoked(info))
    return "token revoked";
  return std::nullopt;
}

} // namespace stratus::gateway
