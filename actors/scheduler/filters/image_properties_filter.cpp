#include <algorithm>
#include <cctype>

#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Nova's ImagePropertiesFilter: hw_architecture and img_hv_type.
class image_properties_filter final : public host_filter {
public:
  const char* name() const override {
    return "ImagePropertiesFilter";
  }
  bool host_passes(const host_state& host, const request_spec& spec) const override {
    auto arch = spec.image_properties.find("hw_architecture");
    if (arch == spec.image_properties.end())
      arch = spec.image_properties.find("architecture");
    if (arch != spec.image_properties.end() && lower(arch->second) != lower(host.cpu_arch))
      return false;
    auto hv = spec.image_properties.find("img_hv_type");
    if (hv == spec.image_properties.end())
      hv = spec.image_properties.find("hypervisor_type");
    return hv == spec.image_properties.end() || lower(hv->second) == lower(host.hypervisor_type);
  }
};

} // namespace

std::unique_ptr<host_filter> make_image_properties_filter() {
  return std::make_unique<image_properties_filter>();
}

} // namespace stratus::scheduler
