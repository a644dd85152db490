#include <gtest/gtest.h>

#include "actors/gateway/default_policy.hpp"
#include "actors/gateway/policy.hpp"
#include "messages/context.hpp"

using stratus::gateway::policy;
using stratus::gateway::policy_target;

namespace {

stratus::msg::auth caller(std::vector<std::string> roles, std::string project = "p1",
                          std::string user = "u1", std::string system = "") {
  stratus::msg::auth a;
  a.user_id = std::move(user);
  a.project_id = std::move(project);
  a.roles = std::move(roles);
  a.system_scope = std::move(system);
  return a;
}

} // namespace

TEST(Policy, ChecksRolesCredentialsAndTargets) {
  policy p;
  p.set("admin", "role:admin");
  p.set("own_project", "rule:admin or project_id:%(project_id)s");
  p.set("reader_not_member", "role:reader and not role:member");
  p.set("grouped", "(role:a or role:b) and (role:c or role:d)");
  EXPECT_TRUE(p.allows("admin", caller({"Admin"}), {}));  // role names ignore case
  EXPECT_FALSE(p.allows("admin", caller({"member"}), {}));
  EXPECT_TRUE(p.allows("own_project", caller({"member"}), {{"project_id", "p1"}}));
  EXPECT_FALSE(p.allows("own_project", caller({"member"}), {{"project_id", "p2"}}));
  EXPECT_FALSE(p.allows("own_project", caller({"member"}), {}));  // no target value: no match
  EXPECT_TRUE(p.allows("reader_not_member", caller({"reader"}), {}));
  EXPECT_FALSE(p.allows("reader_not_member", caller({"reader", "member"}), {}));
  EXPECT_TRUE(p.allows("grouped", caller({"b", "c"}), {}));
  EXPECT_FALSE(p.allows("grouped", caller({"a", "b"}), {}));
}

TEST(Policy, EmptyAlwaysNeverAndUnknownRules) {
  policy p;
  p.set("open", "");
  p.set("at", "@");
  p.set("bang", "!");
  p.set("loop", "rule:loop");
  EXPECT_TRUE(p.allows("open", caller({}), {}));
  EXPECT_TRUE(p.allows("at", caller({}), {}));
  EXPECT_FALSE(p.allows("bang", caller({"admin"}), {}));
  EXPECT_FALSE(p.allows("nonexistent", caller({"admin"}), {}));
  EXPECT_FALSE(p.allows("loop", caller({"admin"}), {}));  // self-reference denies, never hangs
}

TEST(Policy, SyntaxErrorsAreRefusedWithThePosition) {
  policy p;
  EXPECT_THROW(p.set("x", "role:a and"), std::invalid_argument);
  EXPECT_THROW(p.set("x", "(role:a"), std::invalid_argument);
  EXPECT_THROW(p.set("x", "role:a role:b"), std::invalid_argument);
  EXPECT_THROW(p.set("x", "justaword"), std::invalid_argument);
  EXPECT_THROW(p.load_json("[1, 2]"), std::invalid_argument);
  EXPECT_THROW(p.load_json(R"({"x": 3})"), std::invalid_argument);
}

TEST(Policy, FileOverridesTheDefaults) {
  policy p;
  stratus::gateway::add_default_rules(p);
  const auto member = caller({"member", "reader"});
  EXPECT_FALSE(p.allows("identity:list_projects", member, {}));
  EXPECT_TRUE(p.allows("identity:get_project", member, {{"project_id", "p1"}}));
  EXPECT_FALSE(p.allows("identity:get_project", member, {{"project_id", "p2"}}));
  EXPECT_FALSE(p.allows("identity:create_project", member, {}));
  EXPECT_TRUE(p.allows("identity:create_project", caller({"admin"}), {}));
  EXPECT_TRUE(p.allows("identity:list_projects", caller({"reader"}, "", "u1", "all"), {}));
  p.load_json(R"({"identity:list_projects": "role:member"})");
  EXPECT_TRUE(p.allows("identity:list_projects", member, {}));
}
