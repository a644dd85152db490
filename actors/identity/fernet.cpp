#include "actors/identity/fernet.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace stratus::identity {
namespace {

constexpr unsigned char version_byte = 0x80;
constexpr std::size_t header_size = 1 + 8 + 16;  // version, timestamp, IV
constexpr std::size_t mac_size = 32;
constexpr std::size_t block_size = 16;

using bytes = std::vector<unsigned char>;

std::string base64url_encode(const bytes& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;  // padded, as Python's urlsafe_b64encode writes it
}

/// Decodes base64url with or without padding; std::nullopt on bad input.
std::optional<bytes> base64url_decode(std::string_view in) {
  std::string s{in};
  for (auto& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '='))
      return std::nullopt;
  }
  while (s.size() % 4 != 0)
    s += '=';
  bytes out(3 * s.size() / 4);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()));
  if (n < 0)
    return std::nullopt;
  std::size_t padding = 0;
  for (auto it = s.rbegin(); it != s.rend() && *it == '='; ++it)
    ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zeros
  return out;
}

bytes hmac_sha256(const unsigned char* key, const unsigned char* data, std::size_t len) {
  bytes mac(mac_size);
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key, 16, data, len, mac.data(), &mac_len);
  return mac;
}

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

std::optional<bytes> aes_cbc(bool encrypt, const unsigned char* key, const unsigned char* iv,
                             const unsigned char* in, std::size_t len) {
  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  bytes out(len + block_size);
  int n1 = 0, n2 = 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key, iv, encrypt) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, in, static_cast<int>(len)) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

} // namespace

fernet_key fernet_key::generate() {
  fernet_key k;
  if (RAND_bytes(k.bytes_.data(), static_cast<int>(k.bytes_.size())) != 1)
    throw std::runtime_error("no randomness for a Fernet key");
  return k;
}

std::optional<fernet_key> fernet_key::parse(std::string_view text) {
  auto raw = base64url_decode(text);
  if (!raw || raw->size() != 32)
    return std::nullopt;
  fernet_key k;
  k.bytes_ = std::move(*raw);
  return k;
}

std::string fernet_key::text() const {
  return base64url_encode(bytes_);
}

std::string fernet_encrypt(const fernet_key& key, std::string_view plaintext, uint64_t now) {
  bytes token(header_size);
  token[0] = version_byte;
  for (int i = 0; i < 8; ++i)
    token[1 + i] = static_cast<unsigned char>(now >> (56 - 8 * i));
  if (RAND_bytes(token.data() + 9, 16) != 1)
    throw std::runtime_error("no randomness for a Fernet IV");
  auto ciphertext = aes_cbc(true, key.encryption(), token.data() + 9,
                            reinterpret_cast<const unsigned char*>(plaintext.data()),
                            plaintext.size());
  if (!ciphertext)
    throw std::runtime_error("AES-128-CBC encryption failed");
  token.insert(token.end(), ciphertext->begin(), ciphertext->end());
  auto mac = hmac_sha256(key.signing(), token.data(), token.size());
  token.insert(token.end(), mac.begin(), mac.end());
  return base64url_encode(token);
}

fernet_result fernet_decrypt(const std::vector<fernet_key>& keys, std::string_view token,
                             uint64_t now, uint64_t ttl_seconds, uint64_t max_clock_skew) {
  fernet_result result;
  auto raw = base64url_decode(token);
  if (!raw || raw->size() < header_size + block_size + mac_size || (*raw)[0] != version_byte ||
      (raw->size() - header_size - mac_size) % block_size != 0)
    return result;  // malformed
  for (int i = 0; i < 8; ++i)
    result.issued_at = (result.issued_at << 8) | (*raw)[1 + i];
  const std::size_t signed_len = raw->size() - mac_size;
  const fernet_key* signer = nullptr;
  for (auto& key : keys) {
    auto mac = hmac_sha256(key.signing(), raw->data(), signed_len);
    if (CRYPTO_memcmp(mac.data(), raw->data() + signed_len, mac_size) == 0) {
      signer = &key;
      break;
    }
  }
  if (signer == nullptr) {
    result.error = fernet_error::bad_signature;
    return result;
  }
  if (result.issued_at > now + max_clock_skew) {
    result.error = fernet_error::from_the_future;
    return result;
  }
  if (ttl_seconds != 0 && result.issued_at + ttl_seconds < now) {
    result.error = fernet_error::expired;
    return result;
  }
  auto plaintext = aes_cbc(false, signer->encryption(), raw->data() + 9,
                           raw->data() + header_size, signed_len - header_size);
  if (!plaintext)
    return result;  // bad padding: malformed
  result.plaintext = std::string(plaintext->begin(), plaintext->end());
  return result;
}

} // namespace stratus::identity
