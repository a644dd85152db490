#pragma once
// An incremental digest (OpenSSL EVP) with its hex form: Glance's checksum
// (md5) and os_hash_value (sha512), computed by the store as data arrives
// and again by whoever fetches the data to check it.

#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace stratus::image_store {

class digest {
public:
  explicit digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~digest() {
    EVP_MD_CTX_free(ctx_);
  }
  digest(const digest&) = delete;
  digest& operator=(const digest&) = delete;

  void update(std::string_view piece) {
    EVP_DigestUpdate(ctx_, piece.data(), piece.size());
  }
  /// The digest in lower-case hex; the object is spent afterwards.
  std::string hex_final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    EVP_DigestFinal_ex(ctx_, out, &size);
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < size; ++i) {
      s += digits[out[i] >> 4];
      s += digits[out[i] & 15];
    }
    return s;
  }

private:
  EVP_MD_CTX* ctx_;
};

} // namespace stratus::image_store
