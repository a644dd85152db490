// Placement without actors: capacity math (reserved, allocation ratio,
// min/max unit, step size), traits and aggregates in candidate queries,
// generations (a stale one is a 409 placement.concurrent_update), consumer
// generations, microversion negotiation and Placement's error format.

#include <gtest/gtest.h>

#include "actors/placement/placement_api.hpp"

using namespace stratus;
using namespace stratus::placement;

namespace {

/// One allocation request of a candidates reply: amounts by provider.
struct offer {
  std::map<std::string, resource_amounts> allocations;
};

class PlacementApi : public ::testing::Test {
protected:
  placement_model model;
  placement_api api{model};
  int64_t now = 1'800'000'000;
  std::string version = "placement 1.39";

  /// Runs an operation as an admin at `version`.
  api_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {},
                 msg::named_values query = {}) {
    msg::context ctx;
    ctx.request_id = "req-test";
    ctx.caller.roles = {"admin"};
    msg::api_call_request req;
    req.operation = "placement:" + op;
    req.body = body.is_null() ? "" : body.dump();
    req.path = std::move(path);
    req.query = std::move(query);
    req.headers = {{"openstack-api-version", version}};
    return api.handle(ctx, req, now);
  }

  static json body_of(const api_result& r) {
    return r.reply.body.empty() ? json() : json::parse(r.reply.body);
  }

  std::string provider(const std::string& name, const json& inventories,
                       const std::string& parent = "") {
    json body{{"name", name}};
    if (!parent.empty())
      body["parent_provider_uuid"] = parent;
    auto r = run("resource_providers:create", body);
    EXPECT_EQ(r.reply.status, 200) << r.reply.body;
    const std::string uuid = body_of(r)["uuid"];
    if (!inventories.empty()) {
      auto inv = run("resource_providers:inventories:update",
                     {{"resource_provider_generation", 0}, {"inventories", inventories}},
                     {{"uuid", uuid}});
      EXPECT_EQ(inv.reply.status, 200) << inv.reply.body;
    }
    return uuid;
  }

  uint64_t generation(const std::string& uuid) {
    return model.find_provider(uuid)->generation;
  }

  api_result allocate(const std::string& consumer, const std::string& rp, const json& resources,
                      const json& consumer_generation = nullptr) {
    return run("allocations:update",
               {{"allocations", {{rp, {{"resources", resources}}}}},
                {"project_id", "p1"},
                {"user_id", "u1"},
                {"consumer_generation", consumer_generation}},
               {{"consumer_uuid", consumer}});
  }

  std::vector<offer> candidates(const std::string& resources,
                                               msg::named_values more = {}) {
    more.push_back({"resources", resources});
    auto r = run("allocation_candidates:list", nullptr, {}, more);
    EXPECT_EQ(r.reply.status, 200) << r.reply.body;
    std::vector<offer> out;
    const json body = body_of(r);
    for (auto& a : body["allocation_requests"]) {
      offer c;
      for (auto& [rp, spec] : a["allocations"].items())
        for (auto& [rc, n] : spec["resources"].items())
          c.allocations[rp][rc] = n.get<uint64_t>();
      out.push_back(c);
    }
    return out;
  }
};

const std::string consumer_a = "11111111-1111-4111-8111-111111111111";
const std::string consumer_b = "22222222-2222-4222-8222-222222222222";

TEST_F(PlacementApi, CapacityIsTotalLessReservedTimesRatio) {
  inventory inv{16, 2, 1, 0, 1, 4.0};
  EXPECT_EQ(inv.capacity(), 56u);
  EXPECT_TRUE(inv.takes(16));
  EXPECT_FALSE(inv.takes(17)); // max_unit defaults to total
  inventory stepped{1024, 0, 256, 1024, 256, 1.0};
  EXPECT_TRUE(stepped.takes(512));
  EXPECT_FALSE(stepped.takes(300));
  EXPECT_FALSE(stepped.takes(128));
}

TEST_F(PlacementApi, CandidatesRespectCapacityReservedAndRatio) {
  const auto big = provider("big", {{"VCPU", {{"total", 8}, {"max_unit", 16}, {"allocation_ratio", 2.0}}},
                                    {"MEMORY_MB", {{"total", 4096}, {"reserved", 512}}}});
  const auto small = provider("small", {{"VCPU", {{"total", 2}}}, {"MEMORY_MB", {{"total", 1024}}}});
  EXPECT_EQ(candidates("VCPU:2,MEMORY_MB:1024").size(), 2u);
  auto only_big = candidates("VCPU:16,MEMORY_MB:3584");
  ASSERT_EQ(only_big.size(), 1u);
  EXPECT_TRUE(only_big[0].allocations.count(big));
  EXPECT_TRUE(candidates("VCPU:16,MEMORY_MB:3585").empty()); // over total − reserved
  ASSERT_EQ(allocate(consumer_a, big, {{"VCPU", 10}, {"MEMORY_MB", 1000}}).reply.status, 204);
  EXPECT_TRUE(candidates("VCPU:7").empty()); // 16 − 10 left on big; small has 2
  auto six = candidates("VCPU:6");
  ASSERT_EQ(six.size(), 1u);
  EXPECT_TRUE(six[0].allocations.count(big));
  EXPECT_EQ(candidates("VCPU:2").size(), 2u);
  EXPECT_TRUE(candidates("VCPU:2", {{"in_tree", small}})[0].allocations.count(small));
}

TEST_F(PlacementApi, CandidatesFollowStepSizeAndUnits) {
  provider("stepped", {{"MEMORY_MB", {{"total", 4096}, {"min_unit", 512}, {"max_unit", 2048},
                                      {"step_size", 512}}}});
  EXPECT_EQ(candidates("MEMORY_MB:1024").size(), 1u);
  EXPECT_TRUE(candidates("MEMORY_MB:1000").empty());
  EXPECT_TRUE(candidates("MEMORY_MB:256").empty());
  EXPECT_TRUE(candidates("MEMORY_MB:4096").empty());
}

TEST_F(PlacementApi, RequiredAndForbiddenTraitsAndAggregates) {
  const auto ssd = provider("ssd", {{"DISK_GB", {{"total", 100}}}});
  const auto hdd = provider("hdd", {{"DISK_GB", {{"total", 100}}}});
  auto put_traits = run("resource_providers:traits:update",
                        {{"traits", {"STORAGE_DISK_SSD"}}, {"resource_provider_generation", generation(ssd)}},
                        {{"uuid", ssd}});
  ASSERT_EQ(put_traits.reply.status, 200) << put_traits.reply.body;
  auto with = candidates("DISK_GB:10", {{"required", "STORAGE_DISK_SSD"}});
  ASSERT_EQ(with.size(), 1u);
  EXPECT_TRUE(with[0].allocations.count(ssd));
  auto without = candidates("DISK_GB:10", {{"required", "!STORAGE_DISK_SSD"}});
  ASSERT_EQ(without.size(), 1u);
  EXPECT_TRUE(without[0].allocations.count(hdd));
  const std::string agg = "33333333-3333-4333-8333-333333333333";
  ASSERT_EQ(run("resource_providers:aggregates:update",
                {{"aggregates", {agg}}, {"resource_provider_generation", generation(hdd)}},
                {{"uuid", hdd}}).reply.status, 200);
  auto member = candidates("DISK_GB:10", {{"member_of", agg}});
  ASSERT_EQ(member.size(), 1u);
  EXPECT_TRUE(member[0].allocations.count(hdd));
  EXPECT_EQ(candidates("DISK_GB:10", {{"member_of", "!" + agg}}).size(), 1u);
  auto unknown = run("allocation_candidates:list", nullptr, {},
                     {{"resources", "DISK_GB:1"}, {"required", "CUSTOM_NOPE"}});
  EXPECT_EQ(unknown.reply.status, 400);
}

TEST_F(PlacementApi, NestedProvidersCombineWithinTheirTree) {
  const auto root = provider("node", {{"VCPU", {{"total", 4}}}, {"MEMORY_MB", {{"total", 2048}}}});
  const auto gpu = provider("node-gpu", {{"VGPU", {{"total", 2}}}}, root);
  auto found = candidates("VCPU:1,VGPU:1");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].allocations[root]["VCPU"], 1u);
  EXPECT_EQ(found[0].allocations[gpu]["VGPU"], 1u);
  EXPECT_EQ(model.find_provider(gpu)->root_uuid, root);
  EXPECT_TRUE(candidates("VCPU:1,VGPU:1", {{"in_tree", gpu}}).size() == 1);
  auto del = run("resource_providers:delete", nullptr, {{"uuid", root}});
  EXPECT_EQ(del.reply.status, 409);
  EXPECT_EQ(body_of(del)["errors"][0]["code"], "placement.resource_provider.cannot_delete_parent");
}

TEST_F(PlacementApi, StaleProviderGenerationIsAConflict) {
  const auto rp = provider("node", {{"VCPU", {{"total", 4}}}});
  auto r = run("resource_providers:inventories:update",
               {{"resource_provider_generation", 0}, {"inventories", {{"VCPU", {{"total", 8}}}}}},
               {{"uuid", rp}});
  EXPECT_EQ(r.reply.status, 409);
  auto e = body_of(r)["errors"][0];
  EXPECT_EQ(e["code"], "placement.concurrent_update");
  EXPECT_EQ(e["request_id"], "req-test");
  EXPECT_EQ(model.find_provider(rp)->inventories.at("VCPU").total, 4u); // nothing changed
}

TEST_F(PlacementApi, ConsumerGenerationsSerialiseWriters) {
  const auto rp = provider("node", {{"VCPU", {{"total", 4}}}});
  EXPECT_EQ(allocate(consumer_a, rp, {{"VCPU", 1}}).reply.status, 204);
  // A second "new consumer" write for the same consumer loses.
  auto again = allocate(consumer_a, rp, {{"VCPU", 2}});
  EXPECT_EQ(again.reply.status, 409);
  EXPECT_EQ(body_of(again)["errors"][0]["code"], "placement.concurrent_update");
  EXPECT_EQ(allocate(consumer_a, rp, {{"VCPU", 2}}, 1).reply.status, 204);
  EXPECT_EQ(model.usage(rp).at("VCPU"), 2u);
  // Over capacity: refused, nothing changes.
  EXPECT_EQ(allocate(consumer_b, rp, {{"VCPU", 3}}).reply.status, 409);
  EXPECT_EQ(model.usage(rp).at("VCPU"), 2u);
  // Deleting an inventory in use is refused.
  auto del = run("resource_providers:inventories:delete", nullptr,
                 {{"uuid", rp}, {"resource_class", "VCPU"}});
  EXPECT_EQ(del.reply.status, 409);
  EXPECT_EQ(body_of(del)["errors"][0]["code"], "placement.inventory.inuse");
  EXPECT_EQ(run("allocations:delete", nullptr, {{"consumer_uuid", consumer_a}}).reply.status, 204);
  EXPECT_TRUE(model.usage(rp).empty());
}

TEST_F(PlacementApi, BulkAllocationsAreAllOrNothing) {
  const auto rp = provider("node", {{"VCPU", {{"total", 4}}}});
  json body{{consumer_a, {{"allocations", {{rp, {{"resources", {{"VCPU", 3}}}}}}},
                          {"project_id", "p"}, {"user_id", "u"}, {"consumer_generation", nullptr}}},
            {consumer_b, {{"allocations", {{rp, {{"resources", {{"VCPU", 3}}}}}}},
                          {"project_id", "p"}, {"user_id", "u"}, {"consumer_generation", nullptr}}}};
  auto r = run("allocations:manage", body);
  EXPECT_EQ(r.reply.status, 409);
  EXPECT_TRUE(model.usage(rp).empty());
  EXPECT_EQ(model.find_consumer(consumer_a), nullptr);
  EXPECT_EQ(generation(rp), 1u);
}

TEST_F(PlacementApi, UsagesPerProject) {
  const auto rp = provider("node", {{"VCPU", {{"total", 4}}}, {"MEMORY_MB", {{"total", 512}}}});
  allocate(consumer_a, rp, {{"VCPU", 1}, {"MEMORY_MB", 128}});
  auto r = run("usages", nullptr, {}, {{"project_id", "p1"}});
  EXPECT_EQ(body_of(r)["usages"]["MEMORY_MB"], 128);
  EXPECT_EQ(run("usages", nullptr, {}, {}).reply.status, 400);
}

TEST_F(PlacementApi, MicroversionsAreNegotiated) {
  version = "placement 1.40";
  auto r = run("resource_providers:list");
  EXPECT_EQ(r.reply.status, 406);
  EXPECT_EQ(body_of(r)["errors"][0]["max_version"], "1.39");
  version = "placement one";
  EXPECT_EQ(run("resource_providers:list").reply.status, 400);
  version = "placement 1.39";
  provider("old", json::object());
  version = "placement 1.10";
  auto list = run("resource_providers:list");
  EXPECT_FALSE(body_of(list)["resource_providers"][0].contains("root_provider_uuid"));
  // POST answers 201 without a body before 1.20.
  auto created = run("resource_providers:create", {{"name", "x"}});
  EXPECT_EQ(created.reply.status, 201);
  EXPECT_TRUE(created.reply.body.empty());
  version = "placement latest";
  bool saw_version = false;
  for (auto& h : run("resource_providers:list").reply.headers)
    saw_version |= h.name == "openstack-api-version" && h.value == "placement 1.39";
  EXPECT_TRUE(saw_version);
}

TEST_F(PlacementApi, CustomResourceClassesAndTraits) {
  EXPECT_EQ(run("resource_classes:create", {{"name", "VCPU"}}).reply.status, 400);
  EXPECT_EQ(run("resource_classes:create", {{"name", "CUSTOM_GOLD"}}).reply.status, 201);
  EXPECT_EQ(run("resource_classes:create", {{"name", "CUSTOM_GOLD"}}).reply.status, 409);
  EXPECT_EQ(run("traits:update", nullptr, {{"name", "CUSTOM_FAST"}}).reply.status, 201);
  EXPECT_EQ(run("traits:update", nullptr, {{"name", "CUSTOM_FAST"}}).reply.status, 204);
  EXPECT_EQ(run("traits:delete", nullptr, {{"name", "HW_CPU_X86_AVX"}}).reply.status, 400);
  auto list = body_of(run("traits:list", nullptr, {}, {{"name", "startswith:CUSTOM_"}}));
  EXPECT_EQ(list["traits"], json::array({"CUSTOM_FAST"}));
  const auto rp = provider("node", {{"CUSTOM_GOLD", {{"total", 3}}}});
  EXPECT_EQ(candidates("CUSTOM_GOLD:2").size(), 1u);
  EXPECT_EQ(run("resource_classes:delete", nullptr, {{"name", "CUSTOM_GOLD"}}).reply.status, 409);
  (void)rp;
}

TEST_F(PlacementApi, ModelRebuildsFromItsRecords) {
  const auto rp = provider("node", {{"VCPU", {{"total", 4}}}});
  allocate(consumer_a, rp, {{"VCPU", 3}});
  placement_model rebuilt;
  for (auto& [id, p] : model.providers())
    rebuilt.apply({"provider", id, to_json(p)});
  for (auto& [id, x] : model.consumers())
    rebuilt.apply({"consumer", id, to_json(x)});
  EXPECT_EQ(rebuilt.usage(rp).at("VCPU"), 3u);
  EXPECT_EQ(rebuilt.find_provider(rp)->generation, generation(rp));
}

} // namespace
