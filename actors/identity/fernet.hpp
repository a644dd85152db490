#pragma once
// Fernet tokens (the format Keystone's tokens use): AES-128-CBC encryption
// and an HMAC-SHA256 signature over version, timestamp, IV and ciphertext,
// base64url-encoded. See https://github.com/fernet/spec/blob/master/Spec.md.
// Tokens interoperate with Python's cryptography.fernet both ways.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::identity {

/// A Fernet key: 16 bytes of signing key, then 16 bytes of encryption key.
class fernet_key {
public:
  /// A fresh random key.
  static fernet_key generate();
  /// Parses the 44-character base64url form (as key repositories store it);
  /// std::nullopt if it is not 32 bytes of base64url.
  static std::optional<fernet_key> parse(std::string_view text);
  /// The base64url form.
  std::string text() const;

  const unsigned char* signing() const { return bytes_.data(); }
  const unsigned char* encryption() const { return bytes_.data() + 16; }

private:
  std::vector<unsigned char> bytes_ = std::vector<unsigned char>(32);
};

/// Encrypts `plaintext` as a token stamped with `now` (Unix seconds).
std::string fernet_encrypt(const fernet_key& key, std::string_view plaintext, uint64_t now);

/// Why a token was refused.
enum class fernet_error { malformed, bad_signature, expired, from_the_future };

struct fernet_result {
  std::optional<std::string> plaintext;
  fernet_error error = fernet_error::malformed;
  uint64_t issued_at = 0;
};

/// Verifies and decrypts a token with the first key of `keys` whose
/// signature matches (the primary key first, then older ones: rotation).
/// A token older than `ttl_seconds` (0 = no limit) is expired; one stamped
/// more than `max_clock_skew` seconds ahead of `now` is refused.
fernet_result fernet_decrypt(const std::vector<fernet_key>& keys, std::string_view token,
                             uint64_t now, uint64_t ttl_seconds = 0,
                             uint64_t max_clock_skew = 60);

} // namespace stratus::identity
