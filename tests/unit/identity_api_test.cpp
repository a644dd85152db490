// The Keystone operations on their own, without actors: what a client sees
// in bodies and status codes, with password hashing run inline.

#include <gtest/gtest.h>

#include "actors/identity/bootstrap.hpp"
#include "actors/identity/identity_api.hpp"
#include "actors/identity/password_hash.hpp"
#include "tests/support/temp_dir.hpp"

using namespace stratus;
using namespace stratus::identity;

namespace {

constexpr int64_t now = 1'800'000'000;

class IdentityApi : public ::testing::Test {
protected:
  IdentityApi()
      : keys_(dir_.path() / "keys"), tokens_(store_, keys_, 3600),
        api_(store_, tokens_, {3600, 4}) {
    bootstrap_settings b;
    b.public_url = "http://cloud:5000";
    for (auto& c : bootstrap_changes(store_, b, hash_password("adminpw", 4)))
      store_.apply(c);
    admin_.roles = {"admin", "member", "reader"};
  }

  /// Runs an operation to the end (hashing inline, applying the writes).
  msg::api_call_reply call(const std::string& op, const json& body = nullptr,
                           msg::named_values path = {}, msg::named_values headers = {},
                           msg::named_values query = {}, int64_t at = now) {
    msg::api_call_request req;
    req.operation = op;
    req.body = body.is_null() ? "" : body.dump();
    req.path = std::move(path);
    req.headers = std::move(headers);
    req.query = std::move(query);
    req.base_url = "http://cloud:5000";
    msg::context ctx;
    ctx.caller = caller_;
    auto r = api_.handle(ctx, req, at);
    while (r.kdf) {
      auto job = r.kdf;
      r = job->verify ? job->then(verify_password(job->password, job->hash), "")
                      : job->then(true, hash_password(job->password, 4));
    }
    for (auto& c : r.changes)
      store_.apply(c);
    for (auto& e : r.revoked)
      store_.apply({"revocation", new_id(), revocation_record(e)});
    if (r.error)
      r.reply.status = r.error->code == msg::errc::not_found      ? 404
                       : r.error->code == msg::errc::unauthorized ? 401
                       : r.error->code == msg::errc::forbidden    ? 403
                       : r.error->code == msg::errc::conflict     ? 409
                                                                  : 400;
    return r.reply;
  }

  json password_auth(const std::string& user, const std::string& password,
                     const json& scope = nullptr) {
    json auth{{"identity",
               {{"methods", {"password"}},
                {"password",
                 {{"user",
                   {{"name", user}, {"domain", {{"id", "default"}}}, {"password", password}}}}}}}};
    if (!scope.is_null())
      auth["scope"] = scope;
    return {{"auth", auth}};
  }

  static std::string subject(const msg::api_call_reply& r) {
    auto t = msg::find_value(r.headers, "X-Subject-Token");
    return t ? *t : "";
  }

  test::temp_dir dir_;
  identity_store store_;
  key_repository keys_;
  token_service tokens_;
  identity_api api_;
  msg::auth admin_;
  msg::auth caller_;
};

json body_of(const msg::api_call_reply& r) {
  return json::parse(r.body);
}

} // namespace

TEST_F(IdentityApi, PasswordAuthIssuesAProjectTokenWithRolesAndCatalog) {
  auto r =
      call("identity:issue_token",
           password_auth("admin", "adminpw",
                         {{"project", {{"name", "admin"}, {"domain", {{"name", "Default"}}}}}}));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(subject(r).empty());
  auto token = body_of(r)["token"];
  EXPECT_EQ(token["project"]["name"], "admin");
  EXPECT_EQ(token["user"]["name"], "admin");
  EXPECT_EQ(token["user"]["domain"]["id"], "default");
  EXPECT_EQ(token["methods"], json::array({"password"}));
  std::set<std::string> roles;
  for (auto& role : token["roles"])
    roles.insert(role["name"]);
  EXPECT_EQ(roles, (std::set<std::string>{"admin", "member", "reader"})); // implied roles too
  ASSERT_EQ(token["catalog"].size(), 5u);
  for (auto& service : token["catalog"])
    for (auto& e : service["endpoints"]) {
      EXPECT_EQ(e["region"], "RegionOne");
      EXPECT_EQ(e["region_id"], "RegionOne");
      EXPECT_TRUE(e["url"].get<std::string>().starts_with("http://cloud:5000/"));
      EXPECT_TRUE(e.contains("id") && e.contains("interface"));
    }
  EXPECT_TRUE(token["expires_at"].get<std::string>().ends_with("Z"));
}

TEST_F(IdentityApi, WrongPasswordsAndUnknownUsersGet401) {
  EXPECT_EQ(call("identity:issue_token", password_auth("admin", "nope")).status, 401);
  EXPECT_EQ(call("identity:issue_token", password_auth("nobody", "adminpw")).status, 401);
  EXPECT_EQ(call("identity:issue_token", json{{"auth", 3}}).status, 400);
}

TEST_F(IdentityApi, TokensValidateUntilRevokedOrExpired) {
  auto issued = call("identity:issue_token", password_auth("admin", "adminpw"));
  ASSERT_EQ(issued.status, 201);
  caller_ = admin_;
  const std::string token = subject(issued);
  auto validated = call("identity:validate_token", nullptr, {}, {{"x-subject-token", token}});
  EXPECT_EQ(validated.status, 200);
  EXPECT_EQ(body_of(validated)["token"]["project"]["name"], "admin"); // the default project
  EXPECT_EQ(
      call("identity:validate_token", nullptr, {}, {{"x-subject-token", token}}, {}, now + 3601)
          .status,
      404); // past its lifetime
  EXPECT_EQ(call("identity:revoke_token", nullptr, {}, {{"x-subject-token", token}}).status, 204);
  EXPECT_EQ(call("identity:validate_token", nullptr, {}, {{"x-subject-token", token}}).status, 404);
  EXPECT_EQ(
      call("identity:validate_token", nullptr, {}, {{"x-subject-token", "gAAAAAgarbage"}}).status,
      404);
}

TEST_F(IdentityApi, RescopingWithATokenNeverExtendsIt) {
  auto first = call("identity:issue_token", password_auth("admin", "adminpw"), {}, {}, {}, now);
  auto second =
      call("identity:issue_token",
           json{{"auth",
                 {{"identity", {{"methods", {"token"}}, {"token", {{"id", subject(first)}}}}},
                  {"scope", {{"system", {{"all", true}}}}}}}},
           {}, {}, {}, now + 600);
  ASSERT_EQ(second.status, 201) << second.body;
  auto t1 = body_of(first)["token"], t2 = body_of(second)["token"];
  EXPECT_EQ(t1["expires_at"], t2["expires_at"]);
  EXPECT_EQ(t2["system"]["all"], true);
  EXPECT_EQ(t2["methods"], json::array({"password", "token"}));
}

TEST_F(IdentityApi, UsersGetTokensOnlyWhereTheyHoldARole) {
  caller_ = admin_;
  auto project =
      body_of(call("identity:create_project", {{"project", {{"name", "demo"}}}}))["project"];
  auto created = call("identity:create_user", {{"user", {{"name", "alice"}, {"password", "pw"}}}});
  ASSERT_EQ(created.status, 201);
  auto user = body_of(created)["user"];
  EXPECT_FALSE(user.contains("password"));
  EXPECT_FALSE(user.contains("_password_hash"));
  const json scope{{"project", {{"id", project["id"]}}}};
  EXPECT_EQ(call("identity:issue_token", password_auth("alice", "pw", scope)).status, 401);
  EXPECT_EQ(call("identity:create_grant", nullptr,
                 {{"project_id", project["id"]},
                  {"user_id", user["id"]},
                  {"role_id", store_.find_by("role", "name", "member")->at("id")}})
                .status,
            204);
  auto token = call("identity:issue_token", password_auth("alice", "pw", scope));
  ASSERT_EQ(token.status, 201);
  const auto issued = body_of(token);
  std::set<std::string> roles;
  for (auto& r : issued["token"]["roles"])
    roles.insert(r["name"]);
  EXPECT_EQ(roles, (std::set<std::string>{"member", "reader"}));
  // Disabling the user ends its tokens.
  EXPECT_EQ(
      call("identity:update_user", {{"user", {{"enabled", false}}}}, {{"user_id", user["id"]}})
          .status,
      200);
  EXPECT_EQ(
      call("identity:validate_token", nullptr, {}, {{"x-subject-token", subject(token)}}).status,
      404);
}

TEST_F(IdentityApi, ProjectsKeepTheirNamesUniqueAndTheirTreeWhole) {
  caller_ = admin_;
  auto parent = call("identity:create_project", {{"project", {{"name", "parent"}}}});
  ASSERT_EQ(parent.status, 201);
  const std::string parent_id = body_of(parent)["project"]["id"];
  EXPECT_EQ(call("identity:create_project", {{"project", {{"name", "parent"}}}}).status, 409);
  EXPECT_EQ(
      call("identity:create_project", {{"project", {{"name", "child"}, {"parent_id", parent_id}}}})
          .status,
      201);
  EXPECT_EQ(call("identity:create_project", {{"project", {{"description", "no name"}}}}).status,
            400);
  EXPECT_EQ(call("identity:delete_project", nullptr, {{"project_id", parent_id}}).status, 403);
  auto listed =
      body_of(call("identity:list_projects", nullptr, {}, {}, {{"parent_id", parent_id}}));
  ASSERT_EQ(listed["projects"].size(), 1u);
  EXPECT_EQ(listed["projects"][0]["name"], "child");
  EXPECT_TRUE(listed["projects"][0]["links"]["self"].get<std::string>().starts_with(
      "http://cloud:5000/identity/v3/projects/"));
  EXPECT_EQ(call("identity:get_project", nullptr, {{"project_id", "nope"}}).status, 404);
}

TEST_F(IdentityApi, OthersCannotReadSomeoneElsesToken) {
  auto admin_token = call("identity:issue_token", password_auth("admin", "adminpw"));
  caller_.user_id = "someone-else";
  caller_.roles = {"member"};
  EXPECT_EQ(
      call("identity:validate_token", nullptr, {}, {{"x-subject-token", subject(admin_token)}})
          .status,
      403);
}

TEST_F(IdentityApi, BootstrapOnlyAddsWhatIsMissing) {
  bootstrap_settings b;
  b.public_url = "http://cloud:5000";
  EXPECT_FALSE(needs_bootstrap(store_, b));
  EXPECT_TRUE(bootstrap_changes(store_, b, "x").empty());
}

TEST_F(IdentityApi, AttributesOfTheWrongTypeAreRefusedAndNeverStored) {
  caller_ = admin_;
  for (const json& bad :
       {json{{"name", "u"}, {"enabled", "yes"}}, json{{"name", 7}},
        json{{"name", "u"}, {"domain_id", 3}}, json{{"name", std::string(256, 'n')}},
        json{{"name", "u"}, {"options", "x"}}})
    EXPECT_EQ(call("identity:create_user", {{"user", bad}}).status, 400) << bad.dump();
  EXPECT_EQ(
      call("identity:create_project", {{"project", {{"name", "p"}, {"tags", {"a/b"}}}}}).status,
      400);
  auto admin_id = store_.find_by("user", "name", "admin")->at("id").get<std::string>();
  EXPECT_EQ(
      call("identity:update_user", {{"user", {{"enabled", "false"}}}}, {{"user_id", admin_id}})
          .status,
      400);
}

TEST_F(IdentityApi, RecordsOfTheWrongTypeInTheStoreBreakNothing) {
  // Written by some older or broken writer: readers must not trip on it.
  store_.apply(
      {"user", "odd",
       json{{"id", "odd"}, {"name", 5}, {"enabled", "yes"}, {"domain_id", json::array()}}});
  store_.apply({"service", "odd", json{{"id", "odd"}, {"type", 1}, {"enabled", "no"}}});
  caller_ = admin_;
  auto issued = call("identity:issue_token", password_auth("admin", "adminpw"));
  EXPECT_EQ(issued.status, 201) << issued.body;
  EXPECT_EQ(call("identity:list_users").status, 200);
  EXPECT_EQ(
      call("identity:validate_token", nullptr, {}, {{"x-subject-token", subject(issued)}}).status,
      200);
}
