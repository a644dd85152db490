// The gateway's pieces that need no actor: routes, query strings, error
// formats, the token cache and the local token check.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/common/percent_decode.hpp"
#include "actors/gateway/api_errors.hpp"
#include "actors/gateway/api_surface.hpp"
#include "actors/gateway/default_policy.hpp"
#include "actors/gateway/http_server.hpp"
#include "actors/gateway/policy.hpp"
#include "actors/gateway/routes.hpp"
#include "actors/gateway/token_cache.hpp"
#include "actors/gateway/token_verifier.hpp"
#include "actors/identity/fernet.hpp"
#include "actors/identity/key_repository.hpp"
#include "actors/identity/token_payload.hpp"
#include "tests/support/temp_dir.hpp"

using namespace stratus;
using namespace stratus::gateway;
using stratus::api_support::percent_decode;
using nlohmann::json;

TEST(Routes, MatchMethodsPathsAndParameters) {
  auto api = identity_routes();
  auto m = match_route(api, "GET", "/v3/projects/abc%20d");
  ASSERT_TRUE(m.matched);
  EXPECT_EQ(m.matched->operation, "identity:get_project");
  ASSERT_EQ(m.path.size(), 1u);
  EXPECT_EQ(m.path[0].name, "project_id");
  EXPECT_EQ(m.path[0].value, "abc d");
  EXPECT_EQ(match_route(api, "GET", "/v3/projects/").matched->operation, "identity:list_projects");

  auto wrong = match_route(api, "PUT", "/v3/projects");
  EXPECT_FALSE(wrong.matched);
  EXPECT_EQ(wrong.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_TRUE(match_route(api, "GET", "/v3/nothing").allowed.empty());

  // HEAD has a route of its own where Keystone has one, else it is a GET.
  EXPECT_EQ(match_route(api, "HEAD", "/v3/auth/tokens").matched->operation, "identity:check_token");
  EXPECT_EQ(match_route(api, "HEAD", "/v3/projects").matched->operation, "identity:list_projects");
  auto grant = match_route(api, "PUT", "/v3/projects/p/users/u/roles/r");
  ASSERT_TRUE(grant.matched);
  EXPECT_EQ(grant.matched->operation, "identity:create_grant");
  EXPECT_EQ(grant.path.size(), 3u);
}

TEST(Routes, EveryIdentityOperationHasADefaultRule) {
  stratus::gateway::policy p;
  add_default_rules(p);
  for (auto& r : identity_routes().routes)
    EXPECT_TRUE(p.has(r.operation)) << r.operation;
}

TEST(HttpInput, QueryStringsAndPercentDecoding) {
  auto q = parse_query("nocatalog&name=a%20b&fields=id&fields=name&x=1+2&&=v");
  ASSERT_EQ(q.size(), 6u);
  EXPECT_EQ(q[0].name, "nocatalog");
  EXPECT_EQ(q[0].value, "");
  EXPECT_EQ(q[1].value, "a b");
  EXPECT_EQ(q[2].value, "id");
  EXPECT_EQ(q[3].value, "name");
  EXPECT_EQ(q[4].value, "1 2");
  EXPECT_EQ(q[5].name, "");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4"); // malformed escapes stay as they are
  EXPECT_EQ(percent_decode("%41%62"), "Ab");
}

TEST(ApiErrors, EachApiHasItsOwnFormat) {
  auto keystone = json::parse(error_response(error_style::keystone, 404, "gone", "req-1").body);
  EXPECT_EQ(keystone["error"]["code"], 404);
  EXPECT_EQ(keystone["error"]["title"], "Not Found");
  EXPECT_EQ(keystone["error"]["message"], "gone");
  auto nova = json::parse(error_response(error_style::nova, 404, "gone", "req-1").body);
  EXPECT_EQ(nova["itemNotFound"]["code"], 404);
  auto neutron = json::parse(error_response(error_style::neutron, 409, "in use", "req-1").body);
  EXPECT_EQ(neutron["NeutronError"]["type"], "HTTPConflict");
  auto placement = json::parse(error_response(error_style::placement, 400, "bad", "req-9").body);
  EXPECT_EQ(placement["errors"][0]["request_id"], "req-9");
  EXPECT_EQ(status_of(msg::errc::over_quota), 413);
  EXPECT_EQ(status_of(msg::errc::unavailable), 503);
}

TEST(ApiSurface, VersionDocumentsWhereClientsLook) {
  auto apis = all_apis();
  auto identity = version_document(apis[0], "", "http://h:1");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->status, 300);
  auto v3 = json::parse(version_document(apis[0], "/v3/", "http://h:1")->body);
  EXPECT_EQ(v3["version"]["links"][0]["href"], "http://h:1/identity/v3/");
  EXPECT_FALSE(version_document(apis[0], "/v3/projects", "http://h:1"));
}

namespace {

msg::token_info token(const std::string& user, const std::string& project, int64_t issued) {
  msg::token_info t;
  t.user_id = user;
  t.project_id = project;
  t.audit_id = "audit-" + user;
  t.issued_at = issued;
  t.expires_at = issued + 3600;
  return t;
}

} // namespace

TEST(TokenCache, ForgetsRevokedAndStaleTokens) {
  token_cache cache(60, 100);
  cache.put("a", token("u1", "p1", 1000), 1000);
  cache.put("b", token("u2", "p1", 1000), 1000);
  EXPECT_TRUE(cache.find("a", 1010));
  EXPECT_FALSE(cache.find("a", 1061)); // trusted for 60 s only
  msg::revocation_event e;
  e.user_id = "u1";
  e.issued_before = 1005;
  e.expires_at = 5000;
  cache.revoke(e, 1010);
  EXPECT_FALSE(cache.find("a", 1010));
  EXPECT_TRUE(cache.find("b", 1010));
  cache.put("a", token("u1", "p1", 1000), 1011); // a late validation cannot bring it back
  EXPECT_FALSE(cache.find("a", 1012));
  cache.put("c", token("u1", "p1", 1006), 1011); // a token issued after the event is fine
  EXPECT_TRUE(cache.find("c", 1012));
}

TEST(TokenVerifier, RefusesForgedExpiredAndRevokedTokensLocally) {
  test::temp_dir dir;
  identity::key_repository repo(dir.path() / "keys");
  token_verifier verifier(dir.path() / "keys", std::chrono::milliseconds(0));
  token_cache cache(60, 100);
  ASSERT_TRUE(verifier.has_keys());
  const int64_t now = 1'800'000'000;
  identity::token_payload p;
  p.scope = identity::token_scope::project;
  p.user_id = "u1";
  p.scope_id = "p1";
  p.methods = {"password"};
  p.expires_at = static_cast<double>(now + 3600);
  p.audit_id = "audit-1";
  const auto good = identity::fernet_encrypt(repo.primary(), identity::encode_payload(p), now);
  EXPECT_FALSE(verifier.refusal(good, now, cache));
  EXPECT_TRUE(verifier.refusal("garbage", now, cache));
  EXPECT_TRUE(verifier.refusal(good, now + 3601, cache)); // expired
  auto other = identity::fernet_key::generate();
  EXPECT_TRUE(verifier.refusal(identity::fernet_encrypt(other, identity::encode_payload(p), now),
                               now, cache));
  msg::revocation_event e;
  e.audit_id = "audit-1";
  e.issued_before = now;
  e.expires_at = now + 3600;
  cache.revoke(e, now);
  EXPECT_TRUE(verifier.refusal(good, now, cache));
}

TEST(TokenVerifier, NeverRefusesATokenSignedByAKeyNewerThanItsCopy) {
  test::temp_dir dir;
  identity::key_repository repo(dir.path() / "keys");
  token_verifier verifier(dir.path() / "keys", std::chrono::hours(1));
  token_cache cache(60, 100);
  repo.rotate();
  repo.rotate(); // the primary now is a key the verifier has never read
  identity::token_payload p;
  p.user_id = "u1";
  p.expires_at = 1'800'003'600;
  p.audit_id = "a";
  const auto token =
      identity::fernet_encrypt(repo.primary(), identity::encode_payload(p), 1'800'000'000);
  EXPECT_FALSE(verifier.refusal(token, 1'800'000'000, cache)); // identity decides
  verifier.reload();
  EXPECT_FALSE(verifier.refusal(token, 1'800'000'000, cache));
  EXPECT_TRUE(verifier.refusal(token + "x", 1'800'000'000, cache)); // garbled: refused at once
}

TEST(TokenVerifier, WithoutKeysItLeavesTheDecisionToIdentity) {
  token_verifier verifier("/nonexistent/keys");
  token_cache cache(60, 100);
  EXPECT_FALSE(verifier.has_keys());
  EXPECT_FALSE(verifier.refusal("garbage", 0, cache));
}
