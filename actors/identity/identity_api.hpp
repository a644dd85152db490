#pragma once
// The Keystone v3 operations the gateway routes to the identity role
// ("identity:create_project", …), written as plain functions of the store:
// each answers at once, or asks for records to be written first, or asks
// for a password to be hashed or checked (slow, so done by a worker) and
// continues with the outcome. The identity actor carries these out.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"
#include "actors/common/operation_table.hpp"
#include "actors/identity/identity_store.hpp"
#include "actors/identity/token_service.hpp"
#include "messages/api.hpp"
#include "messages/context.hpp"
#include "messages/error.hpp"
#include "messages/identity.hpp"

namespace stratus::identity {

struct api_result;

/// A password to hash (verify = false) or to check against `hash`.
struct kdf_job {
  bool verify = false;
  std::string password;
  std::string hash;
  /// Continues with the outcome: whether it matched, and the new hash.
  std::function<api_result(bool matched, const std::string& new_hash)> then;
};

struct api_result : api_support::api_answer {
  api_result() = default;
  api_result(api_support::api_answer a) : api_answer(std::move(a)) {} // NOLINT: a plain answer is a result
  std::vector<store_change> changes;          // written before the reply goes out
  std::vector<msg::revocation_event> revoked; // stored with the changes, then pushed
  std::shared_ptr<kdf_job> kdf;               // run first, then use its result
};

// Replies (errors are rendered by the gateway in Keystone's format).
using api_support::api_error;
using api_support::api_json;
using api_support::api_no_content;

struct identity_settings {
  int64_t token_ttl_seconds = 24 * 3600;
  int password_cost = 12;
};

using api_support::api_call;

using api_operation = std::function<api_result(api_call&)>;

class identity_api {
public:
  identity_api(identity_store& store, token_service& tokens, identity_settings settings);

  /// Runs operation `req.operation`; not_found if this role has no such operation.
  api_result handle(const msg::context& ctx, const msg::api_call_request& req, int64_t now);

  identity_store& store() {
    return store_;
  }
  token_service& tokens() {
    return tokens_;
  }
  const identity_settings& settings() const {
    return settings_;
  }

private:
  void add_resource_operations();
  void add_assignment_operations();
  void add_auth_operations();
  void add_project_tag_operations();

  identity_store& store_;
  token_service& tokens_;
  identity_settings settings_;
  api_support::operation_table<api_result> operations_;
};

/// Revokes, from now until `expires_at`, the tokens matching every
/// non-empty id (Keystone's revocation events).
msg::revocation_event revocation(int64_t now, int64_t expires_at, std::string user_id,
                                 std::string project_id, std::string audit_id = {});

/// Helpers for rendering records as Keystone does.
/// A record without its private ('_') attributes, with links.self = `url`.
json render_record(const json& record, const std::string& url);
/// The "links" of a collection: self, no previous, no next.
json list_links(const std::string& url);

/// A fresh id as Keystone makes them: 32 lower-case hex digits.
std::string new_id();

} // namespace stratus::identity
