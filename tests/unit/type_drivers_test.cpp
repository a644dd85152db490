// ML2 type drivers: provider segments are validated per type, a segment
// belongs to one network at a time, tenant segments come from the
// configured ranges until they run out, and released ones come back.

#include <gtest/gtest.h>

#include "actors/network/type_drivers.hpp"

using namespace stratus::network;

TEST(TypeDrivers, VlanSegmentsAreValidatedAndExclusive) {
  type_driver_config config;
  config.vlan_ranges = parse_vlan_ranges("physnet1:100:101,physnet2");
  auto vlan = make_vlan_driver(config);
  EXPECT_FALSE(vlan->validate({"vlan", "physnet1", 4094}));
  EXPECT_TRUE(vlan->validate({"vlan", "physnet1", 4095}));
  EXPECT_TRUE(vlan->validate({"vlan", "physnet1", 0}));
  EXPECT_TRUE(vlan->validate({"vlan", "", 5}));
  EXPECT_TRUE(vlan->validate({"vlan", "physnet9", 5}));
  EXPECT_TRUE(vlan->reserve({"vlan", "physnet2", 7}));
  EXPECT_FALSE(vlan->reserve({"vlan", "physnet2", 7})); // no two networks share a segment
  EXPECT_TRUE(vlan->reserve({"vlan", "physnet1", 7}));  // another physical network, another segment
}

TEST(TypeDrivers, TenantSegmentsComeFromTheRangesUntilTheyRunOut) {
  type_driver_config config;
  config.vlan_ranges = parse_vlan_ranges("physnet1:100:101");
  auto vlan = make_vlan_driver(config);
  ASSERT_TRUE(vlan->reserve({"vlan", "physnet1", 100})); // taken by an admin first
  auto first = vlan->allocate_tenant_segment();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (segment{"vlan", "physnet1", 101}));
  EXPECT_FALSE(vlan->allocate_tenant_segment());
  vlan->release(*first);
  EXPECT_EQ(vlan->allocate_tenant_segment(), first);
}

TEST(TypeDrivers, TunnelsUseVnisAndKeys) {
  type_driver_config config;
  config.vni_ranges = parse_id_ranges("16777214:16777215", 16777215);
  auto vxlan = make_vxlan_driver(config);
  EXPECT_TRUE(vxlan->validate({"vxlan", "physnet1", 5})); // tunnels have no physical network
  EXPECT_TRUE(vxlan->validate({"vxlan", "", 16777216}));
  EXPECT_EQ(vxlan->allocate_tenant_segment()->segmentation_id, 16777214u);
  EXPECT_EQ(vxlan->allocate_tenant_segment()->segmentation_id, 16777215u);
  EXPECT_FALSE(vxlan->allocate_tenant_segment());
  auto gre = make_gre_driver(config);
  EXPECT_EQ(gre->allocate_tenant_segment()->network_type, "gre");
}

TEST(TypeDrivers, FlatAndLocal) {
  type_driver_config config;
  config.flat_networks = {"public"};
  auto flat = make_flat_driver(config);
  EXPECT_FALSE(flat->validate({"flat", "public", 0}));
  EXPECT_TRUE(flat->validate({"flat", "other", 0}));
  EXPECT_TRUE(flat->validate({"flat", "public", 3}));
  EXPECT_TRUE(flat->reserve({"flat", "public", 0}));
  EXPECT_FALSE(flat->reserve({"flat", "public", 0})); // one flat network per physical network
  EXPECT_FALSE(flat->allocate_tenant_segment());      // admins only
  auto local = make_local_driver();
  EXPECT_TRUE(local->validate({"local", "physnet1", 0}));
  EXPECT_EQ(local->allocate_tenant_segment()->network_type, "local");
}

TEST(TypeDrivers, RangesParseAsNeutronReadsThem) {
  auto vlans = parse_vlan_ranges("physnet1:1000:1999,physnet1:3000:3001,physnet2");
  EXPECT_EQ(vlans["physnet1"].size(), 2u);
  EXPECT_TRUE(vlans["physnet2"].empty());
  EXPECT_THROW(parse_vlan_ranges("physnet1:10:5"), std::invalid_argument);
  EXPECT_THROW(parse_vlan_ranges("physnet1:1:4095"), std::invalid_argument);
  EXPECT_THROW(parse_id_ranges("1:x", 100), std::invalid_argument);
}
