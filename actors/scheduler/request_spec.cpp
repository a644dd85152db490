#include "actors/scheduler/request_spec.hpp"

#include "actors/common/json_fields.hpp"

namespace stratus::scheduler {

using json = nlohmann::json;
using json_fields::count;
using json_fields::str;

namespace {

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object())
    for (auto& [k, v] : j.items())
      out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

} // namespace

std::map<std::string, uint64_t> request_spec::resources() const {
  std::map<std::string, uint64_t> out{{"VCPU", vcpus}, {"MEMORY_MB", memory_mb}};
  if (disk_gb > 0)
    out["DISK_GB"] = disk_gb;
  // Flavor extra specs "resources:CUSTOM_X=2" ask placement for more, or
  // override the standard amounts ("resources:VCPU=0" drops a class).
  for (auto& [k, v] : flavor_extra_specs)
    if (k.rfind("resources:", 0) == 0) {
      const auto rc = k.substr(10);
      const auto amount = std::strtoull(v.c_str(), nullptr, 10);
      if (amount == 0)
        out.erase(rc);
      else
        out[rc] = amount;
    }
  return out;
}

request_spec parse_request_spec(const json& j) {
  request_spec s;
  if (!j.is_object())
    return s;
  const json flavor = j.value("flavor", json::object());
  s.vcpus = static_cast<uint32_t>(std::max<uint64_t>(1, count(flavor, "vcpus")));
  s.memory_mb = count(flavor, "ram");
  s.disk_gb = count(flavor, "disk") + count(flavor, "OS-FLV-EXT-DATA:ephemeral") +
              (count(flavor, "swap") + 1023) / 1024;
  s.flavor_extra_specs = string_map(flavor.value("extra_specs", json::object()));
  s.image_properties = string_map(j.value("image", json::object()).value("properties", json::object()));
  s.availability_zone = str(j, "availability_zone");
  const json group = j.value("group", json::object());
  if (group.is_object()) {
    s.group_policy = str(group, "policy");
    for (auto& h : json_fields::strings(group, "hosts"))
      s.group_hosts.insert(h);
  }
  s.force_host = str(j, "force_host");
  return s;
}

} // namespace stratus::scheduler
