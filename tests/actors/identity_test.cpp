// The identity role on real nodes: it waits for its records before it
// answers, keeps them through the conductor across restarts, and loses
// nothing (nor invents anything) when the conductor is gone.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/identity.hpp"
#include "messages/storage.hpp"
#include "runtime/call.hpp"
#include "tests/support/api_request.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_node.hpp"

using namespace stratus;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

msg::context as_admin() {
  return test::caller("test-admin", "", {"admin"});
}

using test::operation;

runtime::node_config identity_node(const std::filesystem::path& dir,
                                   std::vector<std::string> roles) {
  auto cfg = test::node_config_for("ctl", std::move(roles), dir);
  cfg.settings["identity"]["password_cost"] = "4";
  cfg.settings["identity"]["admin_password"] = "pw";
  return cfg;
}

class IdentityRole : public test::server_and_client {
protected:
  runtime::outcome<msg::api_call_reply> call(const msg::api_call_request& req,
                                             const std::string& target = "identity@ctl") {
    return runtime::call(*client, target, req, 10s, as_admin());
  }
};

} // namespace

TEST_F(IdentityRole, RequestsWaitUntilTheRecordsAreLoaded) {
  // Identity starts before the conductor: it retries its load, and what it is
  // asked meanwhile is answered afterwards, not dropped.
  start(identity_node(dir.path(), {"identity", "conductor"}));
  auto r = runtime::call(*client, "identity@ctl", msg::validate_token_request{"not-a-token"}, 10s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::unauthorized);
  auto listed = call(operation("identity:list_users"));
  ASSERT_TRUE(listed) << listed.error.message;
  EXPECT_EQ(json::parse(listed->body)["users"][0]["name"], "admin"); // bootstrapped
}

TEST_F(IdentityRole, RecordsSurviveARestart) {
  start(identity_node(dir.path(), {"conductor", "identity"}));
  auto created = call(operation("identity:create_project", R"({"project": {"name": "kept"}})"));
  ASSERT_TRUE(created) << created.error.message;
  EXPECT_EQ(created->status, 201);
  const std::string id = json::parse(created->body)["project"]["id"];
  start(identity_node(dir.path(), {"conductor", "identity"}));
  auto shown = call(operation("identity:get_project", "", {{"project_id", id}}));
  ASSERT_TRUE(shown) << shown.error.message;
  EXPECT_EQ(json::parse(shown->body)["project"]["name"], "kept");
  auto dup = call(operation("identity:create_project", R"({"project": {"name": "kept"}})"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error.code, msg::errc::conflict);
}

TEST_F(IdentityRole, AFailedWriteLeavesNoTrace) {
  // The conductor lives on a node of its own, which goes away.
  test::temp_dir db_dir;
  auto db = test::start_node(test::node_config_for("db", {"conductor"}, db_dir.path()), roles);
  auto cfg = identity_node(dir.path(), {"identity"});
  cfg.settings["identity"]["conductor"] = "conductor@db";
  cfg.peers.push_back({"db", db->bus().bound_endpoint(), {}});
  start(cfg);
  ASSERT_TRUE(call(operation("identity:list_projects")));
  db.reset();
  auto created = call(operation("identity:create_project", R"({"project": {"name": "lost"}})"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error.code, msg::errc::unavailable);
  auto listed = call(operation("identity:list_projects"));
  ASSERT_TRUE(listed);
  for (auto& p : json::parse(listed->body)["projects"])
    EXPECT_NE(p["name"], "lost");
}

TEST_F(IdentityRole, UnknownOperationsAndBadBodiesAreRefused) {
  start(identity_node(dir.path(), {"conductor", "identity"}));
  auto unknown = call(operation("identity:launch_rockets"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error.code, msg::errc::not_found);
  auto bad = call(operation("identity:create_project", "{not json"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error.code, msg::errc::invalid);
}
