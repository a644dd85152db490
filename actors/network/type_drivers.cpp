#include "actors/network/type_drivers.hpp"

#include <sstream>
#include <stdexcept>

namespace stratus::network {
namespace {

constexpr uint32_t max_vlan = 4094;
constexpr uint32_t max_vni = 16777215;
constexpr uint32_t max_gre_key = 4294967295u;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty())
      out.push_back(item);
  return out;
}

uint32_t number(const std::string& text, uint32_t max) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("not a segmentation id: " + text);
  const auto n = std::stoull(text);
  if (n == 0 || n > max)
    throw std::invalid_argument("segmentation id out of range: " + text);
  return static_cast<uint32_t>(n);
}

class local_driver final : public type_driver {
public:
  const char* type() const override {
    return "local";
  }
  std::optional<std::string> validate(const segment& s) const override {
    if (!s.physical_network.empty() || s.segmentation_id != 0)
      return "provider:physical_network and provider:segmentation_id are not allowed for local networks";
    return std::nullopt;
  }
  bool reserve(const segment&) override {
    return true;
  }
  std::optional<segment> allocate_tenant_segment() override {
    return segment{"local", "", 0};
  }
  void release(const segment&) override {}
};

class flat_driver final : public type_driver {
public:
  explicit flat_driver(std::set<std::string> allowed) : allowed_(std::move(allowed)) {}
  const char* type() const override {
    return "flat";
  }
  std::optional<std::string> validate(const segment& s) const override {
    if (s.physical_network.empty())
      return "provider:physical_network required for flat provider network";
    if (s.segmentation_id != 0)
      return "provider:segmentation_id is not allowed for flat networks";
    if (!allowed_.count("*") && !allowed_.count(s.physical_network))
      return "physical_network '" + s.physical_network + "' unknown for flat provider network";
    return std::nullopt;
  }
  bool reserve(const segment& s) override {
    return used_.insert(s.physical_network).second; // one flat network per physical network
  }
  std::optional<segment> allocate_tenant_segment() override {
    return std::nullopt; // flat networks are for admins only
  }
  void release(const segment& s) override {
    used_.erase(s.physical_network);
  }

private:
  std::set<std::string> allowed_;
  std::set<std::string> used_;
};

/// Segments identified by (physical network, id) taken from ranges: vlan
/// (per physical network) and the tunnel types (one unnamed network).
class ranged_driver final : public type_driver {
public:
  ranged_driver(std::string type, uint32_t max_id, std::map<std::string, std::vector<id_range>> ranges,
                bool physical)
      : type_(std::move(type)), max_id_(max_id), ranges_(std::move(ranges)), physical_(physical) {}

  const char* type() const override {
    return type_.c_str();
  }

  std::optional<std::string> validate(const segment& s) const override {
    if (physical_) {
      if (s.physical_network.empty())
        return "provider:physical_network required for " + type_ + " provider network";
      if (!ranges_.count(s.physical_network))
        return "physical_network '" + s.physical_network + "' unknown for " + type_ + " provider network";
    } else if (!s.physical_network.empty()) {
      return "provider:physical_network specified for " + type_ + " network";
    }
    if (s.segmentation_id == 0 || s.segmentation_id > max_id_)
      return "provider:segmentation_id out of range (1 through " + std::to_string(max_id_) + ")";
    return std::nullopt;
  }

  bool reserve(const segment& s) override {
    return used_.insert({s.physical_network, s.segmentation_id}).second;
  }

  std::optional<segment> allocate_tenant_segment() override {
    for (auto& [physnet, ranges] : ranges_)
      for (auto& r : ranges)
        for (uint64_t id = r.first; id <= r.last; ++id)
          if (used_.insert({physnet, static_cast<uint32_t>(id)}).second)
            return segment{type_, physnet, static_cast<uint32_t>(id)};
    return std::nullopt;
  }

  void release(const segment& s) override {
    used_.erase({s.physical_network, s.segmentation_id});
  }

private:
  std::string type_;
  uint32_t max_id_;
  std::map<std::string, std::vector<id_range>> ranges_; // "" for tunnels
  bool physical_;
  std::set<std::pair<std::string, uint32_t>> used_;
};

} // namespace

std::unique_ptr<type_driver> make_local_driver() {
  return std::make_unique<local_driver>();
}

std::unique_ptr<type_driver> make_flat_driver(const type_driver_config& config) {
  return std::make_unique<flat_driver>(config.flat_networks);
}

std::unique_ptr<type_driver> make_vlan_driver(const type_driver_config& config) {
  return std::make_unique<ranged_driver>("vlan", max_vlan, config.vlan_ranges, true);
}

std::unique_ptr<type_driver> make_vxlan_driver(const type_driver_config& config) {
  return std::make_unique<ranged_driver>("vxlan", max_vni,
                                         std::map<std::string, std::vector<id_range>>{{"", config.vni_ranges}},
                                         false);
}

std::unique_ptr<type_driver> make_gre_driver(const type_driver_config& config) {
  return std::make_unique<ranged_driver>("gre", max_gre_key,
                                         std::map<std::string, std::vector<id_range>>{{"", config.gre_ranges}},
                                         false);
}

std::map<std::string, std::vector<id_range>> parse_vlan_ranges(const std::string& text) {
  std::map<std::string, std::vector<id_range>> out;
  for (auto& entry : split(text, ',')) {
    auto parts = split(entry, ':');
    if (parts.size() == 1) {
      out[parts[0]]; // a physical network for provider networks only
      continue;
    }
    if (parts.size() != 3)
      throw std::invalid_argument("not a vlan range: " + entry);
    id_range r{number(parts[1], max_vlan), number(parts[2], max_vlan)};
    if (r.first > r.last)
      throw std::invalid_argument("empty vlan range: " + entry);
    out[parts[0]].push_back(r);
  }
  return out;
}

std::vector<id_range> parse_id_ranges(const std::string& text, uint32_t max_id) {
  std::vector<id_range> out;
  for (auto& entry : split(text, ',')) {
    auto parts = split(entry, ':');
    if (parts.size() != 2)
      throw std::invalid_argument("not a range: " + entry);
    id_range r{number(parts[0], max_id), number(parts[1], max_id)};
    if (r.first > r.last)
      throw std::invalid_argument("empty range: " + entry);
    out.push_back(r);
  }
  return out;
}

} // namespace stratus::network
