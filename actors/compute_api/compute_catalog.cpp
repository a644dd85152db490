#include "actors/compute_api/compute_catalog.hpp"

namespace stratus::compute {

const std::map<std::string, int64_t>& default_quotas() {
  static const std::map<std::string, int64_t> limits{
      {"instances", 10},        {"cores", 20},
      {"ram", 51200},           {"metadata_items", 128},
      {"key_pairs", 100},       {"server_groups", 10},
      {"server_group_members", 10}, {"injected_files", 5},
      {"injected_file_content_bytes", 10240}, {"injected_file_path_bytes", 255}};
  return limits;
}

namespace {
const json* find_in(const std::map<std::string, json>& m, const std::string& id) {
  auto it = m.find(id);
  return it == m.end() ? nullptr : &it->second;
}
} // namespace

const json* compute_catalog::flavor(const std::string& id) const {
  return find_in(flavors_, id);
}

const json* compute_catalog::keypair(const std::string& user, const std::string& name) const {
  return find_in(keypairs_, user + "/" + name);
}

std::map<std::string, const json*> compute_catalog::keypairs_of(const std::string& user) const {
  std::map<std::string, const json*> out;
  const std::string prefix = user + "/";
  for (auto it = keypairs_.lower_bound(prefix); it != keypairs_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    out[it->first.substr(prefix.size())] = &it->second;
  return out;
}

const json* compute_catalog::server_group(const std::string& id) const {
  return find_in(groups_, id);
}

const json* compute_catalog::quota_record(const std::string& project) const {
  return find_in(quotas_, project);
}

int64_t compute_catalog::quota(const std::string& project, const std::string& resource) const {
  if (auto q = quota_record(project); q && q->contains(resource) && (*q)[resource].is_number_integer())
    return (*q)[resource].get<int64_t>();
  auto d = default_quotas().find(resource);
  return d == default_quotas().end() ? -1 : d->second;
}

std::map<std::string, json>* compute_catalog::table(const std::string& kind) {
  if (kind == "flavor")
    return &flavors_;
  if (kind == "keypair")
    return &keypairs_;
  if (kind == "server_group")
    return &groups_;
  if (kind == "quota")
    return &quotas_;
  return nullptr;
}

record_change compute_catalog::put(const std::string& kind, const std::string& id,
                                   std::optional<json> value) {
  apply({kind, id, value});
  return {kind, id, std::move(value)};
}

void compute_catalog::apply(const record_change& c) {
  auto* t = table(c.kind);
  if (!t)
    return;
  if (c.value)
    (*t)[c.id] = *c.value;
  else
    t->erase(c.id);
}

} // namespace stratus::compute
