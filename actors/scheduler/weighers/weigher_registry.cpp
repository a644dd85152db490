#include "actors/scheduler/weighers/host_weigher.hpp"

namespace stratus::scheduler {

std::unique_ptr<host_weigher> make_weigher(const std::string& name) {
  for (auto make : {make_ram_weigher, make_cpu_weigher, make_disk_weigher,
                    make_build_failure_weigher, make_soft_affinity_weigher,
                    make_soft_anti_affinity_weigher}) {
    auto w = make(name == "BuildFailureWeigher" ? 1000000.0 : 1.0);
    if (name == w->name())
      return w;
  }
  return nullptr;
}

} // namespace stratus::scheduler
