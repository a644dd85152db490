#pragma once
// ML2's type drivers (neutron_lib/plugins/ml2/api.py, TypeDriver): one per
// network type — local, flat, vlan, vxlan, gre — doing segment bookkeeping
// only: checking a segment an admin asks for (provider attributes),
// reserving it, allocating one for a tenant network from the configured
// ranges, and releasing it. Realising segments on hosts is the mechanism
// driver's and the agent's business, not theirs.
//
// Head start for the networking issue: no role uses these yet.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stratus::network {

/// A network segment: provider:network_type, physical_network, segmentation_id.
struct segment {
  std::string network_type;
  std::string physical_network; // flat and vlan only
  uint32_t segmentation_id = 0; // vlan: 1–4094; vxlan: VNI ≤ 16,777,215; gre: key; else 0
  bool operator==(const segment&) const = default;
};

/// An inclusive range of segmentation ids ("1000:2000" in Neutron's config).
struct id_range {
  uint32_t first = 0;
  uint32_t last = 0;
};

class type_driver {
public:
  virtual ~type_driver() = default;
  /// "local", "flat", "vlan", "vxlan", "gre".
  virtual const char* type() const = 0;
  /// Why `s` is not a valid segment of this type, or nothing.
  virtual std::optional<std::string> validate(const segment& s) const = 0;
  /// Takes `s` (already validated); false if another network has it.
  virtual bool reserve(const segment& s) = 0;
  /// A free segment from the tenant ranges, taken; nothing when all are used.
  virtual std::optional<segment> allocate_tenant_segment() = 0;
  /// Gives `s` back (not an error if it was not taken).
  virtual void release(const segment& s) = 0;
};

/// Type drivers with Neutron's defaults: vlan ranges per physical network
/// ("physnet1" → {1000..1999}), VNI and GRE key ranges for tenants; flat
/// networks on the listed physical networks ("*" = any).
struct type_driver_config {
  std::map<std::string, std::vector<id_range>> vlan_ranges;
  std::vector<id_range> vni_ranges{{1, 1000}};
  std::vector<id_range> gre_ranges{{1, 1000}};
  std::set<std::string> flat_networks{"*"};
};

std::unique_ptr<type_driver> make_local_driver();
std::unique_ptr<type_driver> make_flat_driver(const type_driver_config& config);
std::unique_ptr<type_driver> make_vlan_driver(const type_driver_config& config);
std::unique_ptr<type_driver> make_vxlan_driver(const type_driver_config& config);
std::unique_ptr<type_driver> make_gre_driver(const type_driver_config& config);

/// Parses "physnet1:1000:1999,physnet2" (vlan) or "1:1000,5000:6000"
/// (tunnels) the way Neutron's options read; throws std::invalid_argument.
std::map<std::string, std::vector<id_range>> parse_vlan_ranges(const std::string& text);
std::vector<id_range> parse_id_ranges(const std::string& text, uint32_t max_id);

} // namespace stratus::network
