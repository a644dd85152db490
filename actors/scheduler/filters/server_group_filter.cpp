// ServerGroupAffinityFilter and ServerGroupAntiAffinityFilter: the hard
// policies of a server group (the soft ones are weighers).

#include "actors/scheduler/filters/host_filter.hpp"

namespace stratus::scheduler {
namespace {

class affinity_filter final : public host_filter {
public:
  const char* name() const override {
    return "ServerGroupAffinityFilter";
  }
  bool host_passes(const host_state& host, const request_spec& spec) const override {
    if (spec.group_policy != "affinity" || spec.group_hosts.empty())
      return true;
    return spec.group_hosts.count(host.host) > 0;
  }
};

class anti_affinity_filter final : public host_filter {
public:
  const char* name() const override {
    return "ServerGroupAntiAffinityFilter";
  }
  bool host_passes(const host_state& host, const request_spec& spec) const override {
    return spec.group_policy != "anti-affinity" || spec.group_hosts.count(host.host) == 0;
  }
};

} // namespace

std::unique_ptr<host_filter> make_server_group_affinity_filter() {
  return std::make_unique<affinity_filter>();
}

std::unique_ptr<host_filter> make_server_group_anti_affinity_filter() {
  return std::make_unique<anti_affinity_filter>();
}

} // namespace stratus::scheduler
