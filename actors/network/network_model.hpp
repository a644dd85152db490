#pragma once
// What the network-server keeps in memory: networks, subnets and ports as
// the Networking API shows them (JSON records, by id), with the indexes
// the operations need — subnets and ports per network, addresses in use
// per subnet, MAC addresses per network — and the type drivers that know
// which segments are taken. Rebuilt from the conductor's `network` table
// at start; every change goes through apply(), so indexes never drift.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/record_change.hpp"
#include "actors/network/ip_address.hpp"
#include "actors/network/type_drivers.hpp"

namespace stratus::network {

using json = nlohmann::json;

/// The kinds of records in the `network` table.
namespace kinds {
inline const std::string network = "network";
inline const std::string subnet = "subnet";
inline const std::string port = "port";
inline const std::string quota = "quota"; // per project, the limits an admin set
inline const std::string security_group = "security_group";
inline const std::string security_group_rule = "security_group_rule";
inline const std::string router = "router";         // actors/network/router_operations.cpp
inline const std::string floatingip = "floatingip"; // actors/network/floating_ip_operations.cpp
inline const std::string subnetpool = "subnetpool";
/// Uniqueness guards, written create-only in the same write as their
/// owner so that the database refuses a second taker even when two
/// network-servers race: "segment/<type>:<physnet>:<id>" and
/// "address/<subnet>/<ip>", "default_group/<project>". Never loaded
/// back: the owners say it all.
inline const std::string segment_guard = "segment";
inline const std::string address_guard = "address";
inline const std::string default_group_guard = "default_group"; // per project
/// "<pool>/<cidr>" per subnet allocated from a pool, "default_subnetpool/<4|6>".
inline const std::string prefix_guard = "subnetpool_prefix";
inline const std::string default_subnetpool_guard = "default_subnetpool";
} // namespace kinds

/// A port attribute the API never shows: the port was made by
/// allocate_ports for an instance (deleted with it, not just unbound).
inline const std::string made_for_instance = "made_for_instance";

/// The device_owner of the ports DHCP servers use (Neutron's).
inline const std::string dhcp_owner = "network:dhcp";

/// The device_owners of the ports routers and floating IPs hold (Neutron's).
inline const std::string router_interface_owner = "network:router_interface";
inline const std::string router_gateway_owner = "network:router_gateway";
inline const std::string floatingip_owner = "network:floatingip";

/// A network's segment as its record holds it.
segment segment_of(const json& network);

class network_model {
public:
  explicit network_model(const type_driver_config& config);

  /// Applies one change (a record written or erased) to the maps and indexes.
  void apply(const record_change& change);

  const std::map<std::string, json>& networks() const {
    return networks_;
  }
  const std::map<std::string, json>& subnets() const {
    return subnets_;
  }
  const std::map<std::string, json>& ports() const {
    return ports_;
  }
  const std::map<std::string, json>& quotas() const {
    return quotas_;
  }
  const std::map<std::string, json>& security_groups() const {
    return security_groups_;
  }
  const std::map<std::string, json>& security_group_rules() const {
    return security_group_rules_;
  }
  const std::map<std::string, json>& subnetpools() const {
    return subnetpools_;
  }
  /// The subnets allocated from a subnet pool (ids).
  const std::set<std::string>& subnets_from_pool(const std::string& pool_id) const;
  const std::map<std::string, json>& routers() const {
    return routers_;
  }
  const std::map<std::string, json>& floatingips() const {
    return floatingips_;
  }
  /// The ports whose device_id is `device_id` (a router's, say).
  const std::set<std::string>& ports_of_device(const std::string& device_id) const;
  /// The rules of a security group (ids).
  const std::set<std::string>& rules_of(const std::string& group_id) const;
  /// The ports using a security group (ids).
  const std::set<std::string>& ports_in_group(const std::string& group_id) const;
  const json* find(const std::string& kind, const std::string& id) const;

  const std::set<std::string>& subnets_of(const std::string& network_id) const;
  const std::set<std::string>& ports_of(const std::string& network_id) const;
  /// The quota limits an admin set for `project` (empty object if none).
  json quota_of(const std::string& project) const;
  /// How many records of `kind` the project owns.
  std::size_t owned(const std::string& kind, const std::string& project) const;

  /// The type driver for `type`, or null for a type not enabled.
  type_driver* driver(const std::string& type);
  /// The port holding `address` in `subnet_id`, or null.
  const std::string* address_holder(const std::string& subnet_id, const ip_address& address) const;
  /// A free address of the subnet's allocation pools, or nothing.
  std::optional<ip_address> free_address(const json& subnet);
  bool mac_in_use(const std::string& network_id, const std::string& mac) const;

private:
  void remove(const std::string& kind, const json& old);
  void add(const std::string& kind, const json& record);

  std::map<std::string, json>* table(const std::string& kind);
  std::map<std::string, json> networks_, subnets_, ports_, quotas_, security_groups_,
      security_group_rules_, subnetpools_;
  std::map<std::string, json> routers_, floatingips_;
  std::map<std::string, std::set<std::string>> rules_by_group_, ports_by_group_;
  std::map<std::string, std::set<std::string>> ports_by_device_; // device_id → ports
  std::map<std::string, std::set<std::string>> subnets_by_pool_;
  std::map<std::string, std::set<std::string>> subnets_by_network_, ports_by_network_;
  std::map<std::string, std::map<ip_address, std::string>> addresses_; // subnet → ip → port
  std::map<std::string, ip_address> next_address_; // subnet → where the next search starts
  std::map<std::string, std::set<std::string>> macs_; // network → MACs
  std::map<std::string, std::map<std::string, std::size_t>> owned_; // kind → project → count
  std::map<std::string, std::unique_ptr<type_driver>> drivers_;
};

} // namespace stratus::network
