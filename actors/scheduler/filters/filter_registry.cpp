#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {

std::unique_ptr<host_filter> make_filter(const std::string& name) {
  for (auto make : {make_compute_filter, make_availability_zone_filter, make_image_properties_filter,
                    make_server_group_affinity_filter, make_server_group_anti_affinity_filter,
                    make_forced_host_filter}) {
    auto f = make();
    if (name == f->name())
      return f;
  }
  return nullptr;
}

} // namespace stratus::scheduler
