#include "actors/network/network_model.hpp"

#include "actors/common/json_fields.hpp"

namespace stratus::network {

using json_fields::str;

segment segment_of(const json& n) {
  segment s;
  s.network_type = str(n, "provider:network_type");
  s.physical_network = str(n, "provider:physical_network");
  auto id = n.find("provider:segmentation_id");
  if (id != n.end() && id->is_number_unsigned())
    s.segmentation_id = id->get<uint32_t>();
  return s;
}

network_model::network_model(const type_driver_config& config) {
  drivers_["local"] = make_local_driver();
  drivers_["flat"] = make_flat_driver(config);
  drivers_["vlan"] = make_vlan_driver(config);
  drivers_["vxlan"] = make_vxlan_driver(config);
  drivers_["gre"] = make_gre_driver(config);
}

std::map<std::string, json>* network_model::table(const std::string& kind) {
  if (kind == kinds::network)
    return &networks_;
  if (kind == kinds::subnet)
    return &subnets_;
  if (kind == kinds::port)
    return &ports_;
  if (kind == kinds::quota)
    return &quotas_;
  if (kind == kinds::security_group)
    return &security_groups_;
  if (kind == kinds::security_group_rule)
    return &security_group_rules_;
  if (kind == kinds::subnetpool)
    return &subnetpools_;
  if (kind == kinds::router)
    return &routers_;
  if (kind == kinds::floatingip)
    return &floatingips_;
  return nullptr; // guards and anything unknown
}

void network_model::apply(const record_change& c) {
  std::map<std::string, json>* table = this->table(c.kind);
  if (!table)
    return;
  auto it = table->find(c.id);
  if (it != table->end()) {
    remove(c.kind, it->second);
    table->erase(it);
  }
  if (!c.value || !c.value->is_object())
    return;
  add(c.kind, *c.value);
  (*table)[c.id] = *c.value;
}

void network_model::remove(const std::string& kind, const json& old) {
  const auto project = str(old, "project_id");
  if (auto& n = owned_[kind][project]; n > 0)
    --n;
  if (kind == kinds::network) {
    if (auto* d = driver(str(old, "provider:network_type")))
      d->release(segment_of(old));
  } else if (kind == kinds::subnet) {
    subnets_by_network_[str(old, "network_id")].erase(str(old, "id"));
    if (auto pool = str(old, "subnetpool_id"); !pool.empty())
      subnets_by_pool_[pool].erase(str(old, "id"));
  } else if (kind == kinds::security_group_rule) {
    rules_by_group_[str(old, "security_group_id")].erase(str(old, "id"));
  } else if (kind == kinds::port) {
    for (auto& g : json_fields::strings(old, "security_groups"))
      ports_by_group_[g].erase(str(old, "id"));
    const auto network = str(old, "network_id");
    ports_by_network_[network].erase(str(old, "id"));
    if (auto device = str(old, "device_id"); !device.empty()) {
      auto d = ports_by_device_.find(device);
      if (d != ports_by_device_.end() && d->second.erase(str(old, "id")) && d->second.empty())
        ports_by_device_.erase(d);
    }
    macs_[network].erase(str(old, "mac_address"));
    for (auto& ip : old.value("fixed_ips", json::array())) {
      auto a = ip_address::parse(str(ip, "ip_address"));
      if (a)
        addresses_[str(ip, "subnet_id")].erase(*a);
    }
  }
}

void network_model::add(const std::string& kind, const json& r) {
  ++owned_[kind][str(r, "project_id")];
  if (kind == kinds::network) {
    if (auto* d = driver(str(r, "provider:network_type")))
      d->reserve(segment_of(r)); // already taken when it was allocated: fine
  } else if (kind == kinds::subnet) {
    subnets_by_network_[str(r, "network_id")].insert(str(r, "id"));
    if (auto pool = str(r, "subnetpool_id"); !pool.empty())
      subnets_by_pool_[pool].insert(str(r, "id"));
  } else if (kind == kinds::security_group_rule) {
    rules_by_group_[str(r, "security_group_id")].insert(str(r, "id"));
  } else if (kind == kinds::port) {
    for (auto& g : json_fields::strings(r, "security_groups"))
      ports_by_group_[g].insert(str(r, "id"));
    const auto network = str(r, "network_id");
    ports_by_network_[network].insert(str(r, "id"));
    if (auto device = str(r, "device_id"); !device.empty())
      ports_by_device_[device].insert(str(r, "id"));
    macs_[network].insert(str(r, "mac_address"));
    for (auto& ip : r.value("fixed_ips", json::array())) {
      auto a = ip_address::parse(str(ip, "ip_address"));
      if (a)
        addresses_[str(ip, "subnet_id")][*a] = str(r, "id");
    }
  }
}

const json* network_model::find(const std::string& kind, const std::string& id) const {
  const std::map<std::string, json>* table = const_cast<network_model*>(this)->table(kind);
  if (!table || kind == kinds::quota)
    return nullptr;
  auto it = table->find(id);
  return it == table->end() ? nullptr : &it->second;
}

const std::set<std::string>& network_model::subnets_of(const std::string& network_id) const {
  static const std::set<std::string> none;
  auto it = subnets_by_network_.find(network_id);
  return it == subnets_by_network_.end() ? none : it->second;
}

const std::set<std::string>& network_model::ports_of(const std::string& network_id) const {
  static const std::set<std::string> none;
  auto it = ports_by_network_.find(network_id);
  return it == ports_by_network_.end() ? none : it->second;
}

const std::set<std::string>& network_model::subnets_from_pool(const std::string& pool_id) const {
  static const std::set<std::string> none;
  auto it = subnets_by_pool_.find(pool_id);
  return it == subnets_by_pool_.end() ? none : it->second;
}

const std::set<std::string>& network_model::ports_of_device(const std::string& device_id) const {
  static const std::set<std::string> none;
  auto it = ports_by_device_.find(device_id);
  return it == ports_by_device_.end() ? none : it->second;
}

const std::set<std::string>& network_model::rules_of(const std::string& group_id) const {
  static const std::set<std::string> none;
  auto it = rules_by_group_.find(group_id);
  return it == rules_by_group_.end() ? none : it->second;
}

const std::set<std::string>& network_model::ports_in_group(const std::string& group_id) const {
  static const std::set<std::string> none;
  auto it = ports_by_group_.find(group_id);
  return it == ports_by_group_.end() ? none : it->second;
}

json network_model::quota_of(const std::string& project) const {
  auto it = quotas_.find(project);
  return it == quotas_.end() ? json::object() : it->second.value("limits", json::object());
}

std::size_t network_model::owned(const std::string& kind, const std::string& project) const {
  auto k = owned_.find(kind);
  if (k == owned_.end())
    return 0;
  auto p = k->second.find(project);
  return p == k->second.end() ? 0 : p->second;
}

type_driver* network_model::driver(const std::string& type) {
  auto it = drivers_.find(type);
  return it == drivers_.end() ? nullptr : it->second.get();
}

const std::string* network_model::address_holder(const std::string& subnet_id,
                                                 const ip_address& address) const {
  auto s = addresses_.find(subnet_id);
  if (s == addresses_.end())
    return nullptr;
  auto a = s->second.find(address);
  return a == s->second.end() ? nullptr : &a->second;
}

std::optional<ip_address> network_model::free_address(const json& subnet) {
  const auto id = str(subnet, "id");
  struct pool {
    ip_address start, end;
  };
  std::vector<pool> pools;
  for (auto& p : subnet.value("allocation_pools", json::array())) {
    auto start = ip_address::parse(str(p, "start"));
    auto end = ip_address::parse(str(p, "end"));
    if (start && end && *start <= *end)
      pools.push_back({*start, *end});
  }
  if (pools.empty())
    return std::nullopt;
  // Search on from where the last search stopped, wrapping once, so that
  // allocating n addresses costs n steps rather than n² in a busy subnet.
  const auto hint = next_address_.find(id);
  const ip_address from = hint == next_address_.end() ? pools.front().start : hint->second;
  for (int round = 0; round < 2; ++round) {
    for (auto& p : pools) {
      ip_address a = p.start;
      if (round == 0) {
        if (from > p.end)
          continue;
        if (from > a)
          a = from;
      }
      for (;; a = a.next()) {
        if (!address_holder(id, a)) {
          next_address_[id] = a.next();
          return a;
        }
        if (a == p.end)
          break;
      }
    }
  }
  return std::nullopt;
}

bool network_model::mac_in_use(const std::string& network_id, const std::string& mac) const {
  auto it = macs_.find(network_id);
  return it != macs_.end() && it->second.count(mac) > 0;
}

} // namespace stratus::network
