// The scheduler's filters and weighers, and how the filter scheduler
// combines them: each filter answers its one question, weights are
// normalised before they are multiplied and summed, the pick comes from the
// best host_subset_size, and the filter that emptied the list is named.

#include <gtest/gtest.h>

#include "actors/scheduler/filter_scheduler.hpp"

using namespace stratus::scheduler;

namespace {

host_state host(std::string name, int64_t ram, int64_t vcpus = 8) {
  host_state h;
  h.host = std::move(name);
  h.up = h.enabled = true;
  h.free_ram_mb = ram;
  h.free_vcpus = vcpus;
  h.free_disk_gb = 100;
  h.hypervisor_type = "TEST";
  return h;
}

TEST(SchedulerFilters, ComputeFilterNeedsUpAndEnabled) {
  auto f = make_compute_filter();
  auto h = host("a", 1024);
  EXPECT_TRUE(f->host_passes(h, {}));
  h.enabled = false;
  EXPECT_FALSE(f->host_passes(h, {}));
  h.enabled = true;
  h.up = false;
  EXPECT_FALSE(f->host_passes(h, {}));
}

TEST(SchedulerFilters, AvailabilityZone) {
  auto f = make_availability_zone_filter();
  auto h = host("a", 1024);
  h.zone = "az1";
  request_spec spec;
  EXPECT_TRUE(f->host_passes(h, spec));
  spec.availability_zone = "az2";
  EXPECT_FALSE(f->host_passes(h, spec));
  spec.availability_zone = "az1";
  EXPECT_TRUE(f->host_passes(h, spec));
}

TEST(SchedulerFilters, ImageProperties) {
  auto f = make_image_properties_filter();
  auto h = host("a", 1024);
  request_spec spec;
  spec.image_properties["hw_architecture"] = "aarch64";
  EXPECT_FALSE(f->host_passes(h, spec));
  spec.image_properties["hw_architecture"] = "x86_64";
  spec.image_properties["img_hv_type"] = "test";
  EXPECT_TRUE(f->host_passes(h, spec));
  spec.image_properties["img_hv_type"] = "qemu";
  EXPECT_FALSE(f->host_passes(h, spec));
}

TEST(SchedulerFilters, ServerGroupAffinityAndAntiAffinity) {
  auto affinity = make_server_group_affinity_filter();
  auto anti = make_server_group_anti_affinity_filter();
  auto a = host("a", 1024), b = host("b", 1024);
  request_spec spec;
  spec.group_policy = "anti-affinity";
  spec.group_hosts = {"a"};
  EXPECT_FALSE(anti->host_passes(a, spec));
  EXPECT_TRUE(anti->host_passes(b, spec));
  spec.group_policy = "affinity";
  EXPECT_TRUE(affinity->host_passes(a, spec));
  EXPECT_FALSE(affinity->host_passes(b, spec));
  spec.group_hosts.clear(); // the first member may go anywhere
  EXPECT_TRUE(affinity->host_passes(b, spec));
}

TEST(SchedulerWeighers, NormalisedMultipliedSummed) {
  auto config = scheduler_config::from_names("ComputeFilter", "RAMWeigher,CPUWeigher", 1);
  // a: most RAM (weight 1 + 0), c: most vCPUs (0 + 1), b: in between on both (0.5 + 0.55).
  std::vector<host_state> hosts{host("a", 4096, 2), host("b", 2048, 6), host("c", 0, 9)};
  std::mt19937_64 random{1};
  auto r = rank_hosts(config, hosts, {}, random);
  ASSERT_EQ(r.hosts.size(), 3u);
  EXPECT_EQ(r.hosts[0]->host, "b");
}

TEST(SchedulerWeighers, BuildFailuresAreAvoided) {
  auto config = scheduler_config::from_names("ComputeFilter", "RAMWeigher,BuildFailureWeigher", 1);
  std::vector<host_state> hosts{host("roomy-but-failing", 8192), host("small", 1024)};
  hosts[0].failed_builds = 3;
  std::mt19937_64 random{1};
  auto r = rank_hosts(config, hosts, {}, random);
  EXPECT_EQ(r.hosts[0]->host, "small");
}

TEST(SchedulerWeighers, SoftAntiAffinitySpreads) {
  auto config = scheduler_config::from_names("ComputeFilter", "ServerGroupSoftAntiAffinityWeigher", 1);
  std::vector<host_state> hosts{host("a", 1024), host("b", 1024)};
  hosts[0].group_members_here = 2;
  request_spec spec;
  spec.group_policy = "soft-anti-affinity";
  std::mt19937_64 random{1};
  EXPECT_EQ(rank_hosts(config, hosts, spec, random).hosts[0]->host, "b");
}

TEST(FilterScheduler, NamesTheFilterThatEmptiedTheList) {
  auto config = scheduler_config::from_names("", "", 1);
  std::vector<host_state> hosts{host("a", 1024), host("b", 1024)};
  request_spec spec;
  spec.availability_zone = "elsewhere";
  std::mt19937_64 random{1};
  auto r = rank_hosts(config, hosts, spec, random);
  EXPECT_TRUE(r.hosts.empty());
  EXPECT_EQ(r.emptied_by, "AvailabilityZoneFilter");
  ASSERT_GE(r.counts.size(), 3u);
  EXPECT_EQ(r.counts[1], (std::pair<std::string, std::size_t>{"ComputeFilter", 2}));
}

TEST(FilterScheduler, PicksAmongTheBestSubset) {
  auto config = scheduler_config::from_names("ComputeFilter", "RAMWeigher", 2);
  std::set<std::string> picked;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    std::vector<host_state> hosts{host("best", 4096), host("second", 4000), host("worst", 16)};
    std::mt19937_64 random{seed};
    picked.insert(rank_hosts(config, hosts, {}, random).hosts[0]->host);
  }
  EXPECT_EQ(picked, (std::set<std::string>{"best", "second"}));
}

TEST(FilterScheduler, UnknownPluginNamesAreRefused) {
  EXPECT_THROW(scheduler_config::from_names("NoSuchFilter", "", 1), std::invalid_argument);
  EXPECT_THROW(scheduler_config::from_names("", "NoSuchWeigher", 1), std::invalid_argument);
}

TEST(RequestSpec, ResourcesFromTheFlavor) {
  auto spec = parse_request_spec(nlohmann::json::parse(R"({"flavor": {"vcpus": 2, "ram": 1024,
      "disk": 10, "OS-FLV-EXT-DATA:ephemeral": 0, "swap": 512,
      "extra_specs": {"resources:CUSTOM_GPU": "1", "resources:DISK_GB": "0"}}})"));
  auto r = spec.resources();
  EXPECT_EQ(r["VCPU"], 2u);
  EXPECT_EQ(r["MEMORY_MB"], 1024u);
  EXPECT_EQ(r.count("DISK_GB"), 0u);
  EXPECT_EQ(r["CUSTOM_GPU"], 1u);
}

} // namespace
