#include "actors/placement/placement_model.hpp"

#include <cmath>

#include "actors/common/json_fields.hpp"

namespace stratus::placement {

using json_fields::count;
using json_fields::str;
using json_fields::strings;

uint64_t inventory::capacity() const {
  if (reserved >= total)
    return 0;
  return static_cast<uint64_t>(std::floor(static_cast<double>(total - reserved) * allocation_ratio));
}

bool inventory::takes(uint64_t amount) const {
  const uint64_t max = max_unit == 0 ? total : max_unit;
  return amount >= min_unit && amount <= max && (step_size <= 1 || amount % step_size == 0);
}

// -- records ---------------------------------------------------------------------

json to_json(const inventory& inv) {
  return {{"total", inv.total},         {"reserved", inv.reserved},
          {"min_unit", inv.min_unit},   {"max_unit", inv.max_unit == 0 ? inv.total : inv.max_unit},
          {"step_size", inv.step_size}, {"allocation_ratio", inv.allocation_ratio}};
}

namespace {

inventory inventory_from(const json& j) {
  inventory inv;
  inv.total = count(j, "total");
  inv.reserved = count(j, "reserved");
  inv.min_unit = j.contains("min_unit") ? count(j, "min_unit") : 1;
  inv.max_unit = count(j, "max_unit");
  inv.step_size = j.contains("step_size") ? count(j, "step_size") : 1;
  if (auto it = j.find("allocation_ratio"); it != j.end() && it->is_number())
    inv.allocation_ratio = it->get<double>();
  return inv;
}

json amounts_json(const resource_amounts& r) {
  json out = json::object();
  for (auto& [rc, n] : r)
    out[rc] = n;
  return out;
}

const resource_amounts no_usage;
const std::set<std::string> no_tree;

} // namespace

json to_json(const provider& p) {
  json inventories = json::object();
  for (auto& [rc, inv] : p.inventories)
    inventories[rc] = to_json(inv);
  return {{"uuid", p.uuid},
          {"name", p.name},
          {"generation", p.generation},
          {"parent_provider_uuid", p.parent_uuid},
          {"root_provider_uuid", p.root_uuid},
          {"inventories", std::move(inventories)},
          {"traits", p.traits},
          {"aggregates", p.aggregates},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at}};
}

provider provider_from(const json& j) {
  provider p;
  p.uuid = str(j, "uuid");
  p.name = str(j, "name");
  p.generation = count(j, "generation");
  p.parent_uuid = str(j, "parent_provider_uuid");
  p.root_uuid = str(j, "root_provider_uuid");
  if (p.root_uuid.empty())
    p.root_uuid = p.uuid;
  if (auto it = j.find("inventories"); it != j.end() && it->is_object())
    for (auto& [rc, inv] : it->items())
      if (inv.is_object())
        p.inventories[rc] = inventory_from(inv);
  for (auto& t : strings(j, "traits"))
    p.traits.insert(t);
  for (auto& a : strings(j, "aggregates"))
    p.aggregates.insert(a);
  p.created_at = str(j, "created_at");
  p.updated_at = str(j, "updated_at");
  return p;
}

json to_json(const consumer& c) {
  json allocations = json::object();
  for (auto& [rp, amounts] : c.allocations)
    allocations[rp] = amounts_json(amounts);
  return {{"uuid", c.uuid},
          {"project_id", c.project_id},
          {"user_id", c.user_id},
          {"consumer_type", c.consumer_type},
          {"generation", c.generation},
          {"allocations", std::move(allocations)},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

consumer consumer_from(const json& j) {
  consumer c;
  c.uuid = str(j, "uuid");
  c.project_id = str(j, "project_id");
  c.user_id = str(j, "user_id");
  c.consumer_type = str(j, "consumer_type");
  c.generation = count(j, "generation");
  if (auto it = j.find("allocations"); it != j.end() && it->is_object())
    for (auto& [rp, amounts] : it->items())
      if (amounts.is_object())
        for (auto& [rc, n] : amounts.items())
          if (n.is_number_unsigned() && n.get<uint64_t>() > 0)
            c.allocations[rp][rc] = n.get<uint64_t>();
  c.created_at = str(j, "created_at");
  c.updated_at = str(j, "updated_at");
  return c;
}

// -- reading -----------------------------------------------------------------------

const provider* placement_model::find_provider(const std::string& uuid) const {
  auto it = providers_.find(uuid);
  return it == providers_.end() ? nullptr : &it->second;
}

const provider* placement_model::provider_named(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : find_provider(it->second);
}

const consumer* placement_model::find_consumer(const std::string& uuid) const {
  auto it = consumers_.find(uuid);
  return it == consumers_.end() ? nullptr : &it->second;
}

const resource_amounts& placement_model::usage(const std::string& provider_uuid) const {
  auto it = usage_.find(provider_uuid);
  return it == usage_.end() ? no_usage : it->second;
}

std::vector<std::string> placement_model::consumers_of(const std::string& provider_uuid) const {
  auto it = consumers_by_provider_.find(provider_uuid);
  if (it == consumers_by_provider_.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> placement_model::children_of(const std::string& uuid) const {
  auto it = children_.find(uuid);
  if (it == children_.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

const std::set<std::string>& placement_model::tree(const std::string& root_uuid) const {
  auto it = trees_.find(root_uuid);
  return it == trees_.end() ? no_tree : it->second;
}

bool placement_model::resource_class_exists(const std::string& name) const {
  return standard_resource_classes().count(name) > 0 || custom_classes_.count(name) > 0;
}

std::set<std::string> placement_model::resource_classes() const {
  auto out = standard_resource_classes();
  out.insert(custom_classes_.begin(), custom_classes_.end());
  return out;
}

bool placement_model::trait_exists(const std::string& name) const {
  return standard_traits().count(name) > 0 || custom_traits_.count(name) > 0;
}

std::set<std::string> placement_model::traits() const {
  auto out = standard_traits();
  out.insert(custom_traits_.begin(), custom_traits_.end());
  return out;
}

// -- changing ------------------------------------------------------------------------

void placement_model::index_provider(const provider& p, bool add) {
  if (add) {
    by_name_[p.name] = p.uuid;
    trees_[p.root_uuid].insert(p.uuid);
    if (!p.parent_uuid.empty())
      children_[p.parent_uuid].insert(p.uuid);
    return;
  }
  by_name_.erase(p.name);
  if (auto t = trees_.find(p.root_uuid); t != trees_.end()) {
    t->second.erase(p.uuid);
    if (t->second.empty())
      trees_.erase(t);
  }
  if (auto c = children_.find(p.parent_uuid); c != children_.end()) {
    c->second.erase(p.uuid);
    if (c->second.empty())
      children_.erase(c);
  }
}

void placement_model::index_consumer(const consumer& c, bool add) {
  for (auto& [rp, amounts] : c.allocations) {
    auto& used = usage_[rp];
    for (auto& [rc, n] : amounts) {
      if (add)
        used[rc] += n;
      else if ((used[rc] -= n) == 0)
        used.erase(rc);
    }
    if (add)
      consumers_by_provider_[rp].insert(c.uuid);
    else if (auto it = consumers_by_provider_.find(rp); it != consumers_by_provider_.end()) {
      it->second.erase(c.uuid);
      if (it->second.empty())
        consumers_by_provider_.erase(it);
    }
    if (used.empty())
      usage_.erase(rp);
  }
}

model_change placement_model::put_provider(provider p) {
  if (auto it = providers_.find(p.uuid); it != providers_.end()) {
    index_provider(it->second, false);
    providers_.erase(it);
  }
  model_change c{"provider", p.uuid, to_json(p)};
  index_provider(p, true);
  providers_.emplace(p.uuid, std::move(p));
  return c;
}

model_change placement_model::remove_provider(const std::string& uuid) {
  if (auto it = providers_.find(uuid); it != providers_.end()) {
    index_provider(it->second, false);
    providers_.erase(it);
  }
  return {"provider", uuid, std::nullopt};
}

model_change placement_model::put_consumer(consumer c) {
  if (auto it = consumers_.find(c.uuid); it != consumers_.end()) {
    index_consumer(it->second, false);
    consumers_.erase(it);
  }
  model_change change{"consumer", c.uuid, to_json(c)};
  index_consumer(c, true);
  consumers_.emplace(c.uuid, std::move(c));
  return change;
}

model_change placement_model::remove_consumer(const std::string& uuid) {
  if (auto it = consumers_.find(uuid); it != consumers_.end()) {
    index_consumer(it->second, false);
    consumers_.erase(it);
  }
  return {"consumer", uuid, std::nullopt};
}

model_change placement_model::put_resource_class(const std::string& name) {
  custom_classes_.insert(name);
  return {"resource_class", name, json{{"name", name}}};
}

model_change placement_model::remove_resource_class(const std::string& name) {
  custom_classes_.erase(name);
  return {"resource_class", name, std::nullopt};
}

model_change placement_model::put_trait(const std::string& name) {
  custom_traits_.insert(name);
  return {"trait", name, json{{"name", name}}};
}

model_change placement_model::remove_trait(const std::string& name) {
  custom_traits_.erase(name);
  return {"trait", name, std::nullopt};
}

model_change placement_model::apply(const model_change& c) {
  if (c.kind == "provider") {
    std::optional<json> before;
    if (auto p = find_provider(c.id))
      before = to_json(*p);
    if (c.value)
      put_provider(provider_from(*c.value));
    else
      remove_provider(c.id);
    return {c.kind, c.id, before};
  }
  if (c.kind == "consumer") {
    std::optional<json> before;
    if (auto x = find_consumer(c.id))
      before = to_json(*x);
    if (c.value)
      put_consumer(consumer_from(*c.value));
    else
      remove_consumer(c.id);
    return {c.kind, c.id, before};
  }
  auto& names = c.kind == "trait" ? custom_traits_ : custom_classes_;
  std::optional<json> before;
  if (names.count(c.id))
    before = json{{"name", c.id}};
  if (c.value)
    names.insert(c.id);
  else
    names.erase(c.id);
  return {c.kind, c.id, before};
}

// -- the standard names ----------------------------------------------------------------

const std::set<std::string>& standard_resource_classes() {
  static const std::set<std::string> names{
      "VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "NUMA_SOCKET", "NUMA_CORE",
      "NUMA_THREAD", "NUMA_MEMORY_MB", "IPV4_ADDRESS", "VGPU", "VGPU_DISPLAY_HEAD",
      "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC", "PCPU", "MEM_ENCRYPTION_CONTEXT",
      "FPGA", "PGPU", "NET_PACKET_RATE_KILOPACKET_PER_SEC",
      "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC", "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC"};
  return names;
}

const std::set<std::string>& standard_traits() {
  static const std::set<std::string> names{
      "COMPUTE_ACCELERATORS", "COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_X86_64",
      "COMPUTE_DEVICE_TAGGING", "COMPUTE_EPHEMERAL_ENCRYPTION", "COMPUTE_GRAPHICS_MODEL_VGA",
      "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_IMAGE_TYPE_AMI", "COMPUTE_IMAGE_TYPE_ARI",
      "COMPUTE_IMAGE_TYPE_AKI", "COMPUTE_IMAGE_TYPE_ISO", "COMPUTE_IMAGE_TYPE_QCOW2",
      "COMPUTE_IMAGE_TYPE_RAW", "COMPUTE_IMAGE_TYPE_VDI", "COMPUTE_IMAGE_TYPE_VHD",
      "COMPUTE_IMAGE_TYPE_VHDX", "COMPUTE_IMAGE_TYPE_VMDK", "COMPUTE_NET_ATTACH_INTERFACE",
      "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG", "COMPUTE_NET_VIF_MODEL_E1000",
      "COMPUTE_NET_VIF_MODEL_VIRTIO", "COMPUTE_NODE", "COMPUTE_RESCUE_BFV",
      "COMPUTE_SAME_HOST_COLD_MIGRATE", "COMPUTE_SECURITY_UEFI_SECURE_BOOT",
      "COMPUTE_SOCKET_PCI_NUMA_AFFINITY", "COMPUTE_STATUS_DISABLED", "COMPUTE_TRUSTED_CERTS",
      "COMPUTE_VOLUME_ATTACH_WITH_TAG", "COMPUTE_VOLUME_EXTEND", "COMPUTE_VOLUME_MULTI_ATTACH",
      "HW_ARCH_AARCH64", "HW_ARCH_X86_64", "HW_CPU_HYPERTHREADING", "HW_CPU_X86_AESNI",
      "HW_CPU_X86_AVX", "HW_CPU_X86_AVX2", "HW_CPU_X86_AVX512F", "HW_CPU_X86_SSE",
      "HW_CPU_X86_SSE2", "HW_CPU_X86_SSE41", "HW_CPU_X86_SSE42", "HW_CPU_X86_SSSE3",
      "HW_CPU_X86_VMX", "HW_CPU_X86_SVM", "HW_GPU_API_VULKAN", "HW_NIC_SRIOV",
      "HW_NUMA_ROOT", "MISC_SHARES_VIA_AGGREGATE", "STORAGE_DISK_HDD", "STORAGE_DISK_SSD"};
  return names;
}

} // namespace stratus::placement
