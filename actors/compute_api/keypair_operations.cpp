// Key pairs: imported, or generated when no public key is given (an RSA
// key pair, or for type x509 a self-signed certificate and its key).
// https://docs.openstack.org/api-ref/compute/#keypairs-keypairs

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <regex>
#include <sstream>

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// "aa:bb:…", as key fingerprints are shown.
std::string colon_hex(const unsigned char* md, unsigned len) {
  std::string out;
  char hex[4];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, i ? ":%02x" : "%02x", md[i]);
    out += hex;
  }
  return out;
}

/// The MD5 fingerprint of an OpenSSH public key ("aa:bb:…"), as Nova
/// computes it; empty if the key is not "<type> <base64> [comment]".
std::string fingerprint(const std::string& public_key) {
  std::istringstream in(public_key);
  std::string type, blob;
  in >> type >> blob;
  static const std::regex types{"^(ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp(256|384|521))$"};
  if (!std::regex_match(type, types) || blob.empty() || blob.size() % 4 != 0 || blob.size() > 16384)
    return {};
  std::vector<unsigned char> raw(blob.size());
  const int n = EVP_DecodeBlock(raw.data(), reinterpret_cast<const unsigned char*>(blob.data()),
                                static_cast<int>(blob.size()));
  if (n <= 0)
    return {};
  // The blob names its own type first (RFC 4253 "string"): it must be
  // the one the key line gives. Padding makes n a multiple of 3.
  std::size_t size = static_cast<std::size_t>(n);
  for (auto it = blob.rbegin(); it != blob.rend() && *it == '='; ++it)
    --size;
  if (size < 4)
    return {};
  const uint32_t type_len = (uint32_t{raw[0]} << 24) | (uint32_t{raw[1]} << 16) |
                            (uint32_t{raw[2]} << 8) | uint32_t{raw[3]};
  if (type_len != type.size() || 4 + type_len > size ||
      std::string(reinterpret_cast<const char*>(raw.data()) + 4, type_len) != type)
    return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(raw.data(), size, md, &len, EVP_md5(), nullptr);
  return colon_hex(md, len);
}

/// A new RSA key pair as Nova makes one when no public key is given
/// (until 2.92): (OpenSSH public key, PEM private key); empty on failure.
std::pair<std::string, std::string> generate_rsa_key(const std::string& comment) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key)
    return {};
  BIGNUM *n = nullptr, *e = nullptr;
  std::string blob;
  auto put_string = [&blob](const std::string& bytes) {
    const auto len = static_cast<uint32_t>(bytes.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      blob += static_cast<char>((len >> shift) & 0xff);
    blob += bytes;
  };
  auto mpint = [](const BIGNUM* bn) {
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80))
      bytes.insert(bytes.begin(), '\0');
    return bytes;
  };
  std::pair<std::string, std::string> out;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
    put_string("ssh-rsa");
    put_string(mpint(e));
    put_string(mpint(n));
    std::string encoded(4 * ((blob.size() + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                    reinterpret_cast<const unsigned char*>(blob.data()),
                                    static_cast<int>(blob.size()));
    encoded.resize(static_cast<std::size_t>(len));
    out.first = "ssh-rsa " + encoded + " " + comment;
    BIO* pem = BIO_new(BIO_s_mem());
    if (PEM_write_bio_PrivateKey_traditional(pem, key, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
      char* data = nullptr;
      const long size = BIO_get_mem_data(pem, &data);
      out.second.assign(data, static_cast<std::size_t>(size));
    }
    BIO_free(pem);
  }
  BN_free(n);
  BN_free(e);
  EVP_PKEY_free(key);
  return out;
}

/// The sha1 fingerprint of a PEM certificate; empty if it is none.
std::string x509_fingerprint(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert)
    return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha1(), md, &len);
  X509_free(cert);
  return colon_hex(md, len);
}

std::string pem_of(EVP_PKEY* key, X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  const int ok = cert ? PEM_write_bio_X509(bio, cert)
                      : PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::string out;
  if (ok == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<std::size_t>(size));
  }
  BIO_free(bio);
  return out;
}

/// A self-signed certificate and its key, as Nova makes an x509 key pair
/// when none is given: (certificate PEM, private key PEM, sha1 fingerprint).
std::tuple<std::string, std::string, std::string> generate_x509(const std::string& user) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  std::tuple<std::string, std::string, std::string> out;
  if (key && cert) {
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * 365 * 10);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(user.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, key, EVP_sha256()) > 0) {
      auto pem = pem_of(nullptr, cert);
      out = {pem, pem_of(key, nullptr), x509_fingerprint(pem)};
    }
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

json render(const compute_call& c, const json& k, bool full) {
  json out{{"name", str(k, "name")}, {"public_key", str(k, "public_key")},
           {"fingerprint", str(k, "fingerprint")}};
  if (c.at_least(2))
    out["type"] = k.value("type", "ssh");
  if (full) {
    out["user_id"] = str(k, "user_id");
    out["id"] = k.value("id", 0);
    out["created_at"] = str(k, "created_at");
    out["deleted"] = false;
    out["deleted_at"] = nullptr;
    out["updated_at"] = nullptr;
  }
  return out;
}

/// The user whose key pairs the request means: the caller, or another
/// user an admin names (2.10).
std::string target_user(const compute_call& c) {
  const auto user = query(c, "user_id");
  return !user.empty() && c.admin() && c.at_least(10) ? user : c.call.ctx.caller.user_id;
}

} // namespace

void compute_api::add_keypair_operations() {
  add("os_compute_api:os-keypairs:index", [this](compute_call& c) -> compute_result {
    json out = json::array();
    for (auto& [name, k] : catalog_.keypairs_of(target_user(c)))
      out.push_back({{"keypair", render(c, *k, false)}});
    return api_json(200, {{"keypairs", out}});
  });

  add("os_compute_api:os-keypairs:show", [this](compute_call& c) -> compute_result {
    const json* k = catalog_.keypair(target_user(c), c.call.path("keypair_name"));
    if (!k)
      return api_error(msg::errc::not_found, "Keypair " + c.call.path("keypair_name") +
                                                 " not found for user " + target_user(c));
    return api_json(200, {{"keypair", render(c, *k, true)}});
  });

  add("os_compute_api:os-keypairs:create", [this](compute_call& c) -> compute_result {
    const json body = c.call.body.value("keypair", json());
    if (!body.is_object())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute keypair.");
    const std::string name = str(body, "name");
    static const std::regex allowed{"^[a-zA-Z0-9 _.@-]{1,255}$"};
    if (!std::regex_match(name, allowed))
      return api_error(msg::errc::invalid, "Keypair data is invalid: Keypair name contains unsafe "
                                           "characters");
    std::string user = c.call.ctx.caller.user_id;
    if (auto u = str(body, "user_id"); !u.empty() && c.at_least(10)) {
      if (!c.admin() && u != user)
        return api_error(msg::errc::forbidden, "Policy doesn't allow os_compute_api:os-keypairs:create "
                                               "to be performed.");
      user = u;
    }
    const std::string type = body.value("type", "ssh");
    if (type != "ssh" && type != "x509")
      return api_error(msg::errc::invalid, "Invalid input for field/attribute type.");
    std::string key = str(body, "public_key");
    std::string private_key;
    std::string print;
    if (key.empty()) {
      if (type == "ssh")
        std::tie(key, private_key) = generate_rsa_key("Generated-by-Nova");
      else
        std::tie(key, private_key, print) = generate_x509(user);
      if (key.empty())
        return api_error(msg::errc::internal, "Generating a key pair failed.");
    }
    if (print.empty())
      print = type == "ssh" ? fingerprint(key) : x509_fingerprint(key);
    if (print.empty())
      return api_error(msg::errc::invalid, "Keypair data is invalid: failed to generate fingerprint");
    if (catalog_.keypair(user, name))
      return api_error(msg::errc::conflict, "Key pair '" + name + "' already exists.");
    const auto limit = catalog_.quota(c.call.ctx.caller.project_id, "key_pairs");
    if (limit >= 0 && static_cast<int64_t>(catalog_.keypairs_of(user).size()) >= limit)
      return api_error(msg::errc::forbidden, "Quota exceeded, too many key pairs.");
    json k{{"name", name},     {"public_key", key}, {"fingerprint", print}, {"type", type},
           {"user_id", user},  {"id", static_cast<int64_t>(catalog_.keypairs_of(user).size() + 1)},
           {"created_at", nova_time(c.call.now)}};
    json shown = render(c, k, false);
    shown["user_id"] = user;
    if (!private_key.empty())
      shown["private_key"] = private_key; // shown once, never stored
    compute_result r = api_json(c.at_least(2) ? 201 : 200, {{"keypair", shown}});
    r.changes.push_back(catalog_.put("keypair", user + "/" + name, k));
    return r;
  });

  add("os_compute_api:os-keypairs:delete", [this](compute_call& c) -> compute_result {
    const auto user = target_user(c);
    const auto name = c.call.path("keypair_name");
    if (!catalog_.keypair(user, name))
      return api_error(msg::errc::not_found, "Keypair " + name + " not found for user " + user);
    compute_result r = c.at_least(2) ? compute_result{api_no_content()} : accepted();
    r.changes.push_back(catalog_.put("keypair", user + "/" + name, std::nullopt));
    return r;
  });
}

} // namespace stratus::compute
