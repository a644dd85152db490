#pragma once
// The gateway's own check of a token it has not cached: with the Fernet
// keys of the identity role's key repository (when this node can read
// them) it refuses forged, garbled, expired and revoked tokens without a
// message to anyone. What it lets through, the identity role still
// validates (it alone knows the roles).

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace stratus::identity {
class fernet_key;
}

namespace stratus::gateway {

class token_cache;

class token_verifier {
public:
  /// `key_dir`: the key repository; unreadable or absent = no local check.
  /// A token none of the keys opens is refused only if they were read more
  /// than `reload_interval` ago (re-reading them first); with a younger
  /// copy the identity role decides, so a rotation never refuses a good token.
  explicit token_verifier(std::filesystem::path key_dir,
                          std::chrono::milliseconds reload_interval = std::chrono::seconds(1));
  ~token_verifier();

  /// Why the token is certainly not valid, or std::nullopt if it may be.
  std::optional<std::string> refusal(const std::string& token, int64_t now,
                                     const token_cache& revocations);

  bool has_keys() const;

  /// Re-reads the key repository (the gateway does so every few seconds:
  /// keys rotate).
  void reload();

private:
  using key_set = std::vector<identity::fernet_key>;
  std::shared_ptr<const key_set> current();

  std::filesystem::path dir_;
  std::chrono::milliseconds reload_interval_;
  mutable std::mutex mu_;
  std::shared_ptr<const key_set> keys_;
  std::chrono::steady_clock::time_point loaded_at_{};
};

} // namespace stratus::gateway
