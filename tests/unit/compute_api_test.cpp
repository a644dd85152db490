// The Compute API operations without actors: flavors and their visibility,
// server create's validation (unknown flavor or image 400, quotas 403,
// counts), actions refused in the wrong state (409) or on locked servers,
// key pair fingerprints, microversion negotiation, and how a server looks.

#include <gtest/gtest.h>

#include "actors/compute_api/compute_api.hpp"

using namespace stratus;
using namespace stratus::compute;

namespace {

class ComputeApi : public ::testing::Test {
protected:
  compute_catalog catalog;
  compute_api api{catalog};
  cell_view cell;
  std::string version = "compute 2.79";
  bool admin = false;

  compute_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {},
                     msg::named_values query = {}) {
    msg::context ctx;
    ctx.caller.user_id = "user-1";
    ctx.caller.project_id = "project-1";
    ctx.caller.roles = {admin ? "admin" : "member"};
    msg::api_call_request req;
    req.operation = "os_compute_api:" + op;
    req.body = body.is_null() ? "" : body.dump();
    req.path = std::move(path);
    req.query = std::move(query);
    req.headers = {{"openstack-api-version", version}};
    req.base_url = "http://test";
    return api.handle(ctx, req, cell, 1'800'000'000);
  }

  static json body_of(const compute_result& r) {
    return json::parse(r.reply.body);
  }

  std::string flavor(const std::string& name, int ram, int vcpus, bool is_public = true) {
    admin = true;
    auto r = run("os-flavor-manage:create", {{"flavor", {{"name", name}, {"ram", ram}, {"vcpus", vcpus},
                                                        {"disk", 1}, {"os-flavor-access:is_public", is_public}}}});
    admin = false;
    EXPECT_FALSE(r.error) << r.error->message;
    return body_of(r)["flavor"]["id"];
  }

  json server_request(const std::string& flavor_id, json extra = json::object()) {
    json s{{"name", "vm"}, {"imageRef", "image-1"}, {"flavorRef", flavor_id}, {"networks", "none"}};
    for (auto& [k, v] : extra.items())
      s[k] = v;
    return {{"server", s}};
  }

  void SetUp() override {
    cell.image = {{"id", "image-1"}, {"status", "active"}};
  }

  static json instance(const std::string& vm_state, const std::string& task_state = "") {
    return {{"uuid", "s1"}, {"display_name", "vm"}, {"project_id", "project-1"},
            {"vm_state", vm_state}, {"task_state", task_state.empty() ? json() : json(task_state)},
            {"host", "cmp-1"}, {"flavor", {{"id", "f"}, {"vcpus", 1}, {"ram", 512}}}};
  }
};

TEST_F(ComputeApi, PrivateFlavorsAreSeenWhereShared) {
  flavor("public", 512, 1);
  const auto secret = flavor("secret", 512, 1, false);
  EXPECT_EQ(body_of(run("flavors:detail"))["flavors"].size(), 1u);
  EXPECT_TRUE(run("flavors:show", nullptr, {{"flavor_id", secret}}).error);
  admin = true;
  ASSERT_FALSE(run("os-flavor-manage:action", {{"addTenantAccess", {{"tenant", "project-1"}}}},
                   {{"flavor_id", secret}}).error);
  admin = false;
  EXPECT_EQ(body_of(run("flavors:detail"))["flavors"].size(), 2u);
  auto shown = body_of(run("flavors:show", nullptr, {{"flavor_id", secret}}))["flavor"];
  EXPECT_EQ(shown["ram"], 512);
  EXPECT_EQ(shown["os-flavor-access:is_public"], false);
}

TEST_F(ComputeApi, DuplicateFlavorsConflict) {
  flavor("m1.tiny", 512, 1);
  admin = true;
  auto again = run("os-flavor-manage:create", {{"flavor", {{"name", "m1.tiny"}, {"ram", 1}, {"vcpus", 1}, {"disk", 0}}}});
  ASSERT_TRUE(again.error);
  EXPECT_EQ(again.error->code, msg::errc::conflict);
  auto bad = run("os-flavor-manage:create", {{"flavor", {{"name", "x"}, {"ram", -1}, {"vcpus", 1}, {"disk", 0}}}});
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->code, msg::errc::invalid);
}

TEST_F(ComputeApi, CreateValidatesFlavorAndImage) {
  auto no_flavor = run("servers:create", server_request("nope"));
  ASSERT_TRUE(no_flavor.error);
  EXPECT_EQ(no_flavor.error->code, msg::errc::invalid);
  const auto f = flavor("m1", 512, 1);
  cell.image = nullptr;
  auto no_image = run("servers:create", server_request(f));
  ASSERT_TRUE(no_image.error);
  EXPECT_EQ(no_image.error->code, msg::errc::invalid);
  EXPECT_NE(no_image.error->message.find("image-1"), std::string::npos);
  cell.image = {{"id", "image-1"}, {"status", "queued"}};
  EXPECT_TRUE(run("servers:create", server_request(f)).error);
}

TEST_F(ComputeApi, CreateBuildsTheRequestedCount) {
  const auto f = flavor("m1", 512, 1);
  auto r = run("servers:create", server_request(f, {{"min_count", 3}, {"max_count", 3}}));
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.reply.status, 202);
  ASSERT_TRUE(r.build);
  ASSERT_EQ(r.build->instances.size(), 3u);
  EXPECT_EQ(json::parse(r.build->instances[2])["display_name"], "vm-3");
  EXPECT_EQ(json::parse(r.build->request_spec)["flavor"]["ram"], 512);
}

TEST_F(ComputeApi, QuotasAreEnforcedAtCreate) {
  const auto f = flavor("m1", 512, 1);
  cell.instances_used = 9;
  auto r = run("servers:create", server_request(f, {{"min_count", 2}}));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::forbidden);
  EXPECT_NE(r.error->message.find("already used 9 of 10 instances"), std::string::npos);
  // max_count beyond the quota boots what fits.
  auto some = run("servers:create", server_request(f, {{"min_count", 1}, {"max_count", 1000000}}));
  ASSERT_FALSE(some.error);
  EXPECT_EQ(some.build->instances.size(), 1u);
  auto absurd = run("servers:create", server_request(f, {{"min_count", "99999999999"}}));
  ASSERT_TRUE(absurd.error);
  EXPECT_EQ(absurd.error->code, msg::errc::invalid);
  auto inverted = run("servers:create", server_request(f, {{"min_count", 3}, {"max_count", 2}}));
  ASSERT_TRUE(inverted.error);
  EXPECT_EQ(inverted.error->code, msg::errc::invalid);
}

TEST_F(ComputeApi, NetworksAreRequiredFrom237) {
  const auto f = flavor("m1", 512, 1);
  json request = server_request(f);
  request["server"].erase("networks");
  EXPECT_TRUE(run("servers:create", request).error);
  version = "compute 2.36";
  EXPECT_FALSE(run("servers:create", request).error);
}

TEST_F(ComputeApi, ActionsInTheWrongStateConflict) {
  cell.servers = {instance("stopped")};
  auto pause = run("servers:action", {{"pause", nullptr}}, {{"server_id", "s1"}});
  ASSERT_TRUE(pause.error);
  EXPECT_EQ(pause.error->code, msg::errc::conflict);
  EXPECT_NE(pause.error->message.find("vm_state stopped"), std::string::npos);
  cell.servers = {instance("active", "rebooting")};
  auto stop = run("servers:action", {{"os-stop", nullptr}}, {{"server_id", "s1"}});
  ASSERT_TRUE(stop.error);
  EXPECT_EQ(stop.error->code, msg::errc::conflict);
  // A hard reboot may interrupt a soft one.
  auto hard = run("servers:action", {{"reboot", {{"type", "HARD"}}}}, {{"server_id", "s1"}});
  ASSERT_FALSE(hard.error);
  ASSERT_EQ(hard.transitions.size(), 1u);
  EXPECT_EQ(hard.transitions[0].host, "cmp-1");
  EXPECT_EQ(hard.transitions[0].action, "reboot_hard");
  auto unknown = run("servers:action", {{"shelveForever", nullptr}}, {{"server_id", "s1"}});
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code, msg::errc::invalid);
}

TEST_F(ComputeApi, LockedServersRefuseTheirOwners) {
  json locked = instance("active");
  locked["locked"] = true;
  cell.servers = {locked};
  auto r = run("servers:action", {{"os-stop", nullptr}}, {{"server_id", "s1"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::conflict);
  EXPECT_TRUE(run("servers:delete", nullptr, {{"server_id", "s1"}}).error);
}

TEST_F(ComputeApi, OtherProjectsServersAreNotFound) {
  json other = instance("active");
  other["project_id"] = "project-2";
  cell.servers = {other};
  auto r = run("servers:show", nullptr, {{"server_id", "s1"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::not_found);
}

TEST_F(ComputeApi, ErrorServersShowTheirFault) {
  json failed = instance("error");
  failed["fault"] = {{"code", 500}, {"message", "No valid host was found. "}, {"details", "trace"}};
  cell.servers = {failed};
  auto shown = body_of(run("servers:show", nullptr, {{"server_id", "s1"}}))["server"];
  EXPECT_EQ(shown["status"], "ERROR");
  EXPECT_EQ(shown["fault"]["message"], "No valid host was found. ");
  EXPECT_FALSE(shown["fault"].contains("details")); // admins only, for 500 faults
}

TEST_F(ComputeApi, MicroversionsAreNegotiated) {
  version = "compute 2.80";
  auto r = run("flavors:index");
  EXPECT_EQ(r.reply.status, 406);
  version = "compute two";
  ASSERT_TRUE(run("flavors:index").error);
  version = "compute 2.47";
  cell.servers = {instance("active")};
  auto old = body_of(run("servers:show", nullptr, {{"server_id", "s1"}}))["server"];
  EXPECT_TRUE(old["flavor"].contains("vcpus"));
  version = "compute 2.46";
  auto older = body_of(run("servers:show", nullptr, {{"server_id", "s1"}}))["server"];
  EXPECT_TRUE(older["flavor"].contains("id"));
  bool saw = false;
  for (auto& h : run("flavors:index").reply.headers)
    saw |= h.name == "openstack-api-version" && h.value == "compute 2.46";
  EXPECT_TRUE(saw);
}

TEST_F(ComputeApi, KeypairsAreImportedWithTheirFingerprint) {
  const std::string key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test";
  auto r = run("os-keypairs:create", {{"keypair", {{"name", "k1"}, {"public_key", key}}}});
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.reply.status, 201);
  const std::string print = body_of(r)["keypair"]["fingerprint"];
  EXPECT_EQ(print.size(), 47u); // 16 bytes as aa:bb:…
  EXPECT_TRUE(run("os-keypairs:create", {{"keypair", {{"name", "k1"}, {"public_key", key}}}}).error);
  EXPECT_TRUE(run("os-keypairs:create", {{"keypair", {{"name", "k2"}, {"public_key", "not a key"}}}}).error);
  // Valid base64 whose blob does not name the key's type is no key.
  EXPECT_TRUE(run("os-keypairs:create", {{"keypair", {{"name", "k3"}, {"public_key", "ssh-rsa " + std::string(2048, 'A')}}}}).error);
}

TEST_F(ComputeApi, KeypairsAreGeneratedWithoutAPublicKey) {
  auto r = run("os-keypairs:create", {{"keypair", {{"name", "made"}}}});
  ASSERT_FALSE(r.error) << r.error->message;
  const json k = body_of(r)["keypair"];
  EXPECT_EQ(k["public_key"].get<std::string>().rfind("ssh-rsa AAAAB3NzaC1yc2E", 0), 0u);
  EXPECT_NE(k["private_key"].get<std::string>().find("PRIVATE KEY-----"), std::string::npos);
  // The generated public key is one the import path accepts.
  auto again = run("os-keypairs:create", {{"keypair", {{"name", "copy"}, {"public_key", k["public_key"]}}}});
  ASSERT_FALSE(again.error) << again.error->message;
  EXPECT_EQ(body_of(again)["keypair"]["fingerprint"], k["fingerprint"]);
  EXPECT_FALSE(body_of(run("os-keypairs:show", nullptr, {{"keypair_name", "made"}}))["keypair"].contains("private_key"));
}

} // namespace
