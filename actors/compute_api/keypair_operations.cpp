// Key pairs (import only; generating keys left Nova's API in 2.92).
// https://docs.openstack.org/api-ref/compute/#keypairs-keypairs

#include <openssl/evp.h>

#include <regex>
#include <sstream>

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

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
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(raw.data(), static_cast<std::size_t>(n), md, &len, EVP_md5(), nullptr);
  std::string out;
  char hex[4];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, i ? ":%02x" : "%02x", md[i]);
    out += hex;
  }
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
    const std::string key = str(body, "public_key");
    if (key.empty())
      return api_error(msg::errc::invalid, "Keypair data is invalid: this cloud imports key pairs "
                                           "only; give public_key");
    std::string print = type == "ssh" ? fingerprint(key) : std::string{"x509"};
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
