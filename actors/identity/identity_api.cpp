#include "actors/identity/identity_api.hpp"

#include <algorithm>

#include <openssl/rand.h>

namespace stratus::identity {

msg::revocation_event revocation(int64_t now, int64_t expires_at, std::string user_id,
                                 std::string project_id, std::string audit_id) {
  msg::revocation_event e;
  e.user_id = std::move(user_id);
  e.project_id = std::move(project_id);
  e.audit_id = std::move(audit_id);
  e.issued_before = now;
  e.expires_at = expires_at;
  return e;
}

json render_record(const json& record, const std::string& url) {
  json out = json::object();
  for (auto& [key, value] : record.items())
    if (!key.starts_with("_"))
      out[key] = value;
  out["links"] = {{"self", url}};
  return out;
}

json list_links(const std::string& url) {
  return {{"self", url}, {"previous", nullptr}, {"next", nullptr}};
}

std::string new_id() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

identity_api::identity_api(identity_store& store, token_service& tokens, identity_settings settings)
    : store_(store), tokens_(tokens), settings_(settings) {
  add_resource_operations();
  add_assignment_operations();
  add_auth_operations();
  add_project_tag_operations();
}

api_result identity_api::handle(const msg::context& ctx, const msg::api_call_request& req,
                                int64_t now) {
  return operations_.run(ctx, req, req.base_url + "/identity/v3", now);
}

} // namespace stratus::identity
