// Subnet pools without actors: the CIDR set arithmetic (compacting,
// subtracting, carving the smallest fitting block), pools through the
// Networking API (prefixes merged, prefix bounds, one default per IP
// version, updates that may only grow the prefixes, prefix operations,
// delete refused while subnets use the pool) and subnets carved from them
// (allocation order, prefixlen, an explicit cidr inside or outside the free
// space, exhaustion, the create-only prefix guard, use_default_subnetpool).

#include <gtest/gtest.h>

#include "actors/network/network_api.hpp"
#include "tests/unit/network_api_calls.hpp"
#include "actors/network/subnet_allocator.hpp"

using namespace stratus;
using namespace stratus::network;

namespace {

std::vector<ip_network> nets(const std::vector<std::string>& texts) {
  std::vector<ip_network> out;
  for (auto& t : texts)
    out.push_back(*ip_network::parse(t));
  return out;
}

std::vector<std::string> texts(const std::vector<ip_network>& networks) {
  std::vector<std::string> out;
  for (auto& n : networks)
    out.push_back(n.str());
  return out;
}

using strings = std::vector<std::string>;

TEST(SubnetAllocator, CompactingMergesSiblingsAndDropsContainedNetworks) {
  EXPECT_EQ(texts(compact_networks(nets({"10.0.1.0/24", "10.0.0.0/24", "10.0.2.0/23"}))),
            strings{"10.0.0.0/22"});
  EXPECT_EQ(texts(compact_networks(nets({"10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16"}))),
            (strings{"10.0.0.0/8", "192.168.0.0/16"}));
  EXPECT_EQ(texts(compact_networks(nets({"10.0.1.0/24", "10.0.2.0/24"}))),
            (strings{"10.0.1.0/24", "10.0.2.0/24"})); // adjacent, not siblings
  EXPECT_EQ(texts(compact_networks(nets({"2001:db8::/33", "2001:db8:8000::/33"}))),
            strings{"2001:db8::/32"});
}

TEST(SubnetAllocator, SubtractingLeavesTheFreeBlocks) {
  EXPECT_EQ(texts(subtract_networks(nets({"10.0.0.0/22"}), nets({"10.0.1.0/24"}))),
            (strings{"10.0.0.0/24", "10.0.2.0/23"}));
  EXPECT_TRUE(subtract_networks(nets({"10.0.0.0/24"}), nets({"10.0.0.0/16"})).empty());
  EXPECT_TRUE(covers(nets({"10.0.0.0/16"}), nets({"10.0.3.0/24", "10.0.0.0/17"})));
  EXPECT_FALSE(covers(nets({"10.0.0.0/24"}), nets({"10.0.0.0/23"})));
  EXPECT_TRUE(disjoint(nets({"10.0.0.0/24"}), nets({"10.0.1.0/24"})));
  EXPECT_FALSE(disjoint(nets({"10.0.0.0/16"}), nets({"10.0.1.0/24"})));
}

TEST(SubnetAllocator, CarvingTakesTheSmallestBlockThatFits) {
  const auto free = nets({"10.0.0.0/22", "10.0.8.0/25", "10.0.9.0/24"});
  EXPECT_EQ(carve_subnet(free, 26)->str(), "10.0.8.0/26");
  EXPECT_EQ(carve_subnet(free, 24)->str(), "10.0.9.0/24");
  EXPECT_EQ(carve_subnet(free, 23)->str(), "10.0.0.0/23");
  EXPECT_FALSE(carve_subnet(free, 21));
  EXPECT_TRUE(fits_in(free, *ip_network::parse("10.0.2.0/24")));
  EXPECT_FALSE(fits_in(free, *ip_network::parse("10.0.8.0/24"))); // straddles a taken half
}

type_driver_config small_ranges() {
  type_driver_config c;
  c.vni_ranges = {{100, 120}};
  return c;
}

class SubnetPools : public ::testing::Test {
protected:
  network_model model{small_ranges()};
  agent_registry agents;
  network_api api{model, agents, network_settings{}};
  int64_t now = 1'800'000'000;

  api_result run(const std::string& op, const json& body = nullptr, msg::named_values path = {},
                 bool admin = true, const std::string& project = "p1") {
    return test::call(api, now, op, body, std::move(path), {}, admin, project);
  }
  static json body_of(const api_result& r) {
    return test::body_of(r);
  }
  static std::string error_type(const api_result& r) {
    return body_of(r)["NeutronError"].value("type", "");
  }
  static std::string error_message(const api_result& r) {
    return body_of(r)["NeutronError"].value("message", "");
  }

  api_result make_pool(const json& attributes) {
    return run("create_subnetpool", {{"subnetpool", attributes}});
  }
  std::string pool(const json& attributes) {
    auto r = make_pool(attributes);
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["subnetpool"].value("id", "");
  }
  std::string network() {
    auto r = run("create_network", {{"network", {{"name", "net"}}}});
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    return body_of(r)["network"].value("id", "");
  }
  api_result subnet(const std::string& network_id, json attributes) {
    attributes["network_id"] = network_id;
    return run("create_subnet", {{"subnet", attributes}});
  }
  /// The cidr of a subnet made from `pool_id` (with `extra`), "" on failure.
  std::string carve(const std::string& network_id, const std::string& pool_id,
                    json extra = json::object()) {
    extra["subnetpool_id"] = pool_id;
    auto r = subnet(network_id, extra);
    EXPECT_EQ(r.reply.status, 201) << r.reply.body;
    EXPECT_EQ(body_of(r)["subnet"].value("subnetpool_id", ""), pool_id);
    return body_of(r)["subnet"].value("cidr", "");
  }
};

TEST_F(SubnetPools, APoolShowsItsMergedPrefixesAndDefaults) {
  auto r = make_pool(
      {{"name", "pool1"}, {"prefixes", {"10.50.1.0/24", "10.50.0.0/24", "10.50.0.0/25"}}});
  ASSERT_EQ(r.reply.status, 201) << r.reply.body;
  const json p = body_of(r)["subnetpool"];
  EXPECT_EQ(p["prefixes"], json({"10.50.0.0/23"}));
  EXPECT_EQ(p["ip_version"], 4);
  EXPECT_EQ((std::vector<int>{p["min_prefixlen"], p["default_prefixlen"], p["max_prefixlen"]}),
            (std::vector<int>{8, 8, 32}));
  EXPECT_EQ(p["shared"], false);
  EXPECT_EQ(p["is_default"], false);
  EXPECT_TRUE(p["address_scope_id"].is_null());
  EXPECT_TRUE(p["default_quota"].is_null());
  EXPECT_EQ(p["project_id"], "p1");
  EXPECT_EQ(p["revision_number"], 0);

  auto v6 = make_pool({{"prefixes", {"2001:db8::/32"}}});
  const json q = body_of(v6)["subnetpool"];
  EXPECT_EQ((std::vector<int>{q["ip_version"], q["min_prefixlen"], q["max_prefixlen"]}),
            (std::vector<int>{6, 64, 128}));

  auto list = run("get_subnetpool");
  EXPECT_EQ(body_of(list)["subnetpools"].size(), 2u);
  const auto id = p.value("id", "");
  EXPECT_EQ(body_of(run("get_subnetpool", nullptr, {{"subnetpool_id", id}}))["subnetpool"]["name"],
            "pool1");
  auto other = run("get_subnetpool", nullptr, {{"subnetpool_id", id}}, false, "p2");
  EXPECT_EQ(other.reply.status, 404);
  EXPECT_EQ(error_message(other), "Subnet pool " + id + " could not be found.");
}

TEST_F(SubnetPools, BadPoolsAreRefusedWithNeutronsErrors) {
  auto bad_cidr = make_pool({{"prefixes", {"10.50.0.0/33"}}});
  EXPECT_EQ(bad_cidr.reply.status, 400);
  EXPECT_EQ(error_type(bad_cidr), "InvalidInput");
  auto host_bits = make_pool({{"prefixes", {"10.50.0.1/16"}}});
  EXPECT_EQ(host_bits.reply.status, 400);
  EXPECT_NE(error_message(host_bits).find("'10.50.0.0/16' is recommended"), std::string::npos);
  auto mixed = make_pool({{"prefixes", {"10.50.0.0/16", "2001:db8::/32"}}});
  EXPECT_EQ(mixed.reply.status, 400);
  EXPECT_EQ(error_type(mixed), "PrefixVersionMismatch");
  EXPECT_EQ(error_message(mixed), "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
  auto none = make_pool({{"name", "x"}});
  EXPECT_EQ(none.reply.status, 400);
  auto empty = make_pool({{"prefixes", json::array()}});
  EXPECT_EQ(error_type(empty), "EmptySubnetPoolPrefixList");

  auto min_above_max =
      make_pool({{"prefixes", {"10.0.0.0/8"}}, {"min_prefixlen", 28}, {"max_prefixlen", 24}});
  EXPECT_EQ(min_above_max.reply.status, 400);
  EXPECT_EQ(error_type(min_above_max), "IllegalSubnetPoolPrefixBounds");
  EXPECT_EQ(error_message(min_above_max),
            "Illegal prefix bounds: min_prefixlen=28, max_prefixlen=24.");
  auto too_long = make_pool({{"prefixes", {"10.0.0.0/8"}}, {"max_prefixlen", 33}});
  EXPECT_EQ(error_message(too_long), "Illegal prefix bounds: max_prefixlen=33, ip_version_max=32.");
  auto default_below =
      make_pool({{"prefixes", {"10.0.0.0/8"}}, {"min_prefixlen", 16}, {"default_prefixlen", 12}});
  EXPECT_EQ(error_message(default_below),
            "Illegal prefix bounds: default_prefixlen=12, min_prefixlen=16.");
  auto default_above =
      make_pool({{"prefixes", {"10.0.0.0/8"}}, {"default_prefixlen", 30}, {"max_prefixlen", 28}});
  EXPECT_EQ(error_type(default_above), "IllegalSubnetPoolPrefixBounds");
  auto negative = make_pool({{"prefixes", {"10.0.0.0/8"}}, {"default_prefixlen", -1}});
  EXPECT_EQ(negative.reply.status, 400);
  auto not_a_number = make_pool({{"prefixes", {"10.0.0.0/8"}}, {"default_prefixlen", "abc"}});
  EXPECT_EQ(not_a_number.reply.status, 400);
  auto unknown = make_pool({{"prefixes", {"10.0.0.0/8"}}, {"color", "red"}});
  EXPECT_EQ(unknown.reply.status, 400);
  EXPECT_TRUE(model.subnetpools().empty());

  auto shared = run("create_subnetpool",
                    {{"subnetpool", {{"prefixes", {"10.0.0.0/8"}}, {"shared", true}}}}, {}, false);
  EXPECT_EQ(shared.reply.status, 403); // admins only
}

TEST_F(SubnetPools, SubnetsAreCarvedInOrderAndExplicitCidrsChecked) {
  const auto p =
      pool({{"name", "pool1"}, {"prefixes", {"10.50.0.0/16"}}, {"default_prefixlen", 24}});
  const auto n = network();
  EXPECT_EQ(carve(n, p), "10.50.0.0/24");
  EXPECT_EQ(carve(n, p), "10.50.1.0/24");
  EXPECT_EQ(carve(n, p, {{"prefixlen", 26}}), "10.50.2.0/26");
  EXPECT_EQ(carve(n, p, {{"prefixlen", 26}}), "10.50.2.64/26"); // the smallest free block first
  EXPECT_EQ(carve(n, p), "10.50.3.0/24");

  auto r = subnet(n, {{"subnetpool_id", p}, {"prefixlen", 28}});
  const json s = body_of(r)["subnet"];
  EXPECT_EQ(s["gateway_ip"], "10.50.2.129");
  EXPECT_EQ(s["ip_version"], 4);

  // An explicit cidr: inside the free space, or refused.
  EXPECT_EQ(carve(n, p, {{"cidr", "10.50.200.0/24"}}), "10.50.200.0/24");
  auto taken = subnet(n, {{"subnetpool_id", p}, {"cidr", "10.50.0.0/23"}});
  EXPECT_EQ(taken.reply.status, 409);
  EXPECT_EQ(error_type(taken), "SubnetAllocationError");
  EXPECT_EQ(error_message(taken), "Failed to allocate subnet: Cannot allocate requested subnet "
                                  "from the available set of prefixes.");
  auto outside = subnet(n, {{"subnetpool_id", p}, {"cidr", "10.60.0.0/24"}});
  EXPECT_EQ(outside.reply.status, 409);
  auto both = subnet(n, {{"subnetpool_id", p}, {"cidr", "10.50.9.0/24"}, {"prefixlen", 24}});
  EXPECT_EQ(both.reply.status, 400);
  auto too_long = subnet(n, {{"subnetpool_id", p}, {"prefixlen", 33}});
  EXPECT_EQ(too_long.reply.status, 400);
  EXPECT_EQ(error_type(too_long), "MaxPrefixSubnetAllocationError");
  auto too_short = subnet(n, {{"subnetpool_id", p}, {"prefixlen", 7}});
  EXPECT_EQ(error_message(too_short),
            "Unable to allocate subnet with prefix length 7, minimum allowed prefix is 8.");
  auto v6 = subnet(n, {{"subnetpool_id", p}, {"ip_version", 6}});
  EXPECT_EQ(v6.reply.status, 400);
  EXPECT_EQ(error_message(v6),
            "Bad subnets request: Cannot allocate IPv6 subnet from IPv4 subnet pool.");
  auto missing = subnet(n, {{"subnetpool_id", "nope"}});
  EXPECT_EQ(missing.reply.status, 404);
  EXPECT_EQ(error_type(missing), "SubnetPoolNotFound");
  // No unpooled IPv4 subnet beside pooled ones on one network.
  auto unpooled = subnet(n, {{"cidr", "192.168.0.0/24"}, {"ip_version", 4}});
  EXPECT_EQ(error_type(unpooled), "NetworkSubnetPoolAffinityError");
}

TEST_F(SubnetPools, AFullPoolSaysSoAndDeletedSubnetsGiveTheirSpaceBack) {
  const auto p = pool({{"prefixes", {"10.9.0.0/23"}}, {"default_prefixlen", 24}});
  const auto n = network();
  EXPECT_EQ(carve(n, p), "10.9.0.0/24");
  auto second = subnet(n, {{"subnetpool_id", p}});
  const auto second_id = body_of(second)["subnet"].value("id", "");
  auto full = subnet(n, {{"subnetpool_id", p}});
  EXPECT_EQ(full.reply.status, 409);
  EXPECT_EQ(error_type(full), "SubnetAllocationError");
  EXPECT_EQ(error_message(full),
            "Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.");
  EXPECT_EQ(run("delete_subnet", nullptr, {{"subnet_id", second_id}}).reply.status, 204);
  EXPECT_EQ(carve(n, p), "10.9.1.0/24");
}

TEST_F(SubnetPools, EachCarvedPrefixWritesACreateOnlyGuardGivenBackOnDelete) {
  const auto p = pool({{"prefixes", {"10.50.0.0/16"}}, {"default_prefixlen", 24}});
  const auto n = network();
  auto r = subnet(n, {{"subnetpool_id", p}});
  ASSERT_EQ(r.reply.status, 201);
  auto guard = std::find_if(r.changes.begin(), r.changes.end(),
                            [](const record_change& c) { return c.kind == kinds::prefix_guard; });
  ASSERT_NE(guard, r.changes.end());
  EXPECT_TRUE(guard->create_only);
  EXPECT_EQ(guard->id, p + "/10.50.0.0/24");

  auto gone = run("delete_network", nullptr, {{"network_id", n}});
  ASSERT_EQ(gone.reply.status, 204);
  auto dropped =
      std::find_if(gone.changes.begin(), gone.changes.end(), [&](const record_change& c) {
        return c.kind == kinds::prefix_guard && c.id == p + "/10.50.0.0/24" && !c.value;
      });
  EXPECT_NE(dropped, gone.changes.end());
}

TEST_F(SubnetPools, APoolInUseIsNotDeletedAndShrinkingIsRefused) {
  const auto p = pool({{"prefixes", {"10.50.0.0/16"}}, {"default_prefixlen", 24}});
  const auto n = network();
  auto s = subnet(n, {{"subnetpool_id", p}});
  const auto subnet_id = body_of(s)["subnet"].value("id", "");

  auto in_use = run("delete_subnetpool", nullptr, {{"subnetpool_id", p}});
  EXPECT_EQ(in_use.reply.status, 400); // Neutron's SubnetPoolDeleteError is a BadRequest
  EXPECT_EQ(error_type(in_use), "SubnetPoolDeleteError");
  EXPECT_EQ(error_message(in_use),
            "Unable to delete subnet pool: Subnet pool has existing allocations.");

  auto shrink = run("update_subnetpool", {{"subnetpool", {{"prefixes", {"10.50.0.0/17"}}}}},
                    {{"subnetpool_id", p}});
  EXPECT_EQ(shrink.reply.status, 400);
  EXPECT_EQ(error_type(shrink), "IllegalSubnetPoolPrefixUpdate");
  EXPECT_EQ(error_message(shrink), "Illegal update to prefixes: Existing prefixes must be a subset "
                                   "of the new prefixes.");
  auto grow = run("update_subnetpool",
                  {{"subnetpool",
                    {{"prefixes", {"10.50.0.0/16", "10.51.0.0/16"}},
                     {"name", "bigger"},
                     {"default_prefixlen", 26}}}},
                  {{"subnetpool_id", p}});
  ASSERT_EQ(grow.reply.status, 200) << grow.reply.body;
  const json g = body_of(grow)["subnetpool"];
  EXPECT_EQ(g["prefixes"], json({"10.50.0.0/15"}));
  EXPECT_EQ(g["default_prefixlen"], 26);
  EXPECT_EQ(g["revision_number"], 1);
  auto bounds =
      run("update_subnetpool", {{"subnetpool", {{"min_prefixlen", 30}}}}, {{"subnetpool_id", p}});
  EXPECT_EQ(error_type(bounds), "IllegalSubnetPoolPrefixBounds");
  auto shared =
      run("update_subnetpool", {{"subnetpool", {{"shared", true}}}}, {{"subnetpool_id", p}});
  EXPECT_EQ(shared.reply.status, 400);

  EXPECT_EQ(run("delete_subnet", nullptr, {{"subnet_id", subnet_id}}).reply.status, 204);
  EXPECT_EQ(run("delete_subnetpool", nullptr, {{"subnetpool_id", p}}).reply.status, 204);
  EXPECT_TRUE(model.subnetpools().empty());
}

TEST_F(SubnetPools, PrefixesAreAddedAndRemovedButNotFromUnderASubnet) {
  const auto p = pool({{"prefixes", {"10.50.0.0/24"}}, {"default_prefixlen", 26}});
  const auto n = network();
  carve(n, p);
  auto added =
      run("add_prefixes", {{"prefixes", {"10.50.1.0/24", "10.60.0.0/24"}}}, {{"subnetpool_id", p}});
  ASSERT_EQ(added.reply.status, 200) << added.reply.body;
  EXPECT_EQ(body_of(added)["prefixes"], json({"10.50.0.0/23", "10.60.0.0/24"}));
  auto in_use = run("remove_prefixes", {{"prefixes", {"10.50.0.0/24"}}}, {{"subnetpool_id", p}});
  EXPECT_EQ(in_use.reply.status, 400);
  EXPECT_EQ(error_type(in_use), "IllegalSubnetPoolPrefixUpdate");
  auto removed = run("remove_prefixes", {{"prefixes", {"10.60.0.0/24", "10.50.1.0/25"}}},
                     {{"subnetpool_id", p}});
  ASSERT_EQ(removed.reply.status, 200);
  EXPECT_EQ(body_of(removed)["prefixes"], json({"10.50.0.0/24", "10.50.1.128/25"}));
  auto empty = run("add_prefixes", {{"prefixes", json::array()}}, {{"subnetpool_id", p}});
  EXPECT_EQ(empty.reply.status, 400);
}

TEST_F(SubnetPools, TheDefaultPoolServesUseDefaultSubnetpool) {
  const auto n = network();
  auto none = subnet(n, {{"use_default_subnetpool", true}, {"ip_version", 4}});
  EXPECT_EQ(none.reply.status, 400);
  EXPECT_EQ(error_message(none), "Bad subnets request: No default subnetpool found for IPv4.");
  const auto p =
      pool({{"prefixes", {"10.70.0.0/16"}}, {"default_prefixlen", 24}, {"is_default", true}});
  auto second = make_pool({{"prefixes", {"10.80.0.0/16"}}, {"is_default", true}});
  EXPECT_EQ(second.reply.status, 400);
  EXPECT_EQ(error_type(second), "InvalidInput");
  auto r = subnet(n, {{"use_default_subnetpool", true}, {"ip_version", 4}});
  ASSERT_EQ(r.reply.status, 201) << r.reply.body;
  EXPECT_EQ(body_of(r)["subnet"]["cidr"], "10.70.0.0/24");
  EXPECT_EQ(body_of(r)["subnet"]["subnetpool_id"], p);
  auto not_admin = run("update_subnetpool", {{"subnetpool", {{"is_default", true}}}},
                       {{"subnetpool_id", p}}, false);
  EXPECT_EQ(not_admin.reply.status, 403); // the owner, but not an admin
  auto unset =
      run("update_subnetpool", {{"subnetpool", {{"is_default", false}}}}, {{"subnetpool_id", p}});
  ASSERT_EQ(unset.reply.status, 200);
  auto dropped =
      std::find_if(unset.changes.begin(), unset.changes.end(), [](const record_change& c) {
        return c.kind == kinds::default_subnetpool_guard && c.id == "4" && !c.value;
      });
  EXPECT_NE(dropped, unset.changes.end());
}

TEST_F(SubnetPools, SharedPoolsServeOtherProjectsAndQuotasCount) {
  const auto p = pool({{"prefixes", {"10.90.0.0/16"}},
                       {"default_prefixlen", 24},
                       {"shared", true},
                       {"default_quota", 512}});
  auto net = run("create_network", {{"network", {{"name", "theirs"}}}}, {}, false, "p2");
  const auto n = body_of(net)["network"].value("id", "");
  auto first = run("create_subnet", {{"subnet", {{"network_id", n}, {"subnetpool_id", p}}}}, {},
                   false, "p2");
  ASSERT_EQ(first.reply.status, 201) << first.reply.body;
  auto second = run("create_subnet", {{"subnet", {{"network_id", n}, {"subnetpool_id", p}}}}, {},
                    false, "p2");
  ASSERT_EQ(second.reply.status, 201);
  auto over = run("create_subnet", {{"subnet", {{"network_id", n}, {"subnetpool_id", p}}}}, {},
                  false, "p2");
  EXPECT_EQ(over.reply.status, 409);
  EXPECT_EQ(error_type(over), "SubnetPoolQuotaExceeded");
  auto change = run("update_subnetpool", {{"subnetpool", {{"name", "mine"}}}},
                    {{"subnetpool_id", p}}, false, "p2");
  EXPECT_EQ(change.reply.status, 403);
}

TEST_F(SubnetPools, ExtensionsAndTagsKnowSubnetPools) {
  auto ext = body_of(run("get_extension"))["extensions"];
  std::set<std::string> aliases;
  for (auto& e : ext)
    aliases.insert(e["alias"]);
  EXPECT_TRUE(aliases.count("subnet_allocation"));
  EXPECT_TRUE(aliases.count("default-subnetpools"));
  EXPECT_TRUE(aliases.count("subnetpool-prefix-ops"));
  EXPECT_FALSE(aliases.count("address-scope"));
  const auto p = pool({{"prefixes", {"10.50.0.0/16"}}});
  auto tagged = run("update_tags", nullptr,
                    {{"resource", "subnetpools"}, {"resource_id", p}, {"tag", "red"}});
  EXPECT_EQ(tagged.reply.status, 201) << tagged.reply.body;
  EXPECT_EQ((*model.find(kinds::subnetpool, p))["tags"], json({"red"}));
}

} // namespace
