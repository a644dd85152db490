#include "actors/identity/password_hash.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include <openssl/crypto.h>

namespace stratus::identity {

std::string hash_password(const std::string& password, int cost) {
  if (cost < 4 || cost > 31)
    throw std::runtime_error("bcrypt cost must be within 4..31");
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt))
    throw std::runtime_error("crypt_gensalt failed: " + std::string{std::strerror(errno)});
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), salt, data.get());
  if (!out || out[0] == '*')
    throw std::runtime_error("crypt failed");
  return out;
}

bool verify_password(const std::string& password, const std::string& hash) {
  if (hash.empty())
    return false;
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
  if (!out || out[0] == '*')
    return false;
  return std::strlen(out) == hash.size() && CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

} // namespace stratus::identity
