#pragma once
// Names of the namespaces the agent makes for networks' DHCP servers
// (`qdhcp-<network>`) and routers (`qrouter-<router>`): Neutron's own on a
// real host; hosts sharing one machine's /run/netns add their node name,
// so that each host finds (and cleans up) only its own.

#include <string>

namespace stratus::network_agent {

inline std::string agent_namespace(const std::string& neutron_name, const std::string& host_netns,
                                   const std::string& node) {
  return host_netns.empty() ? neutron_name : neutron_name + "-" + node;
}

/// Whether `name` is a namespace this host's agent made with `prefix`.
inline bool agent_namespace_of_host(const std::string& name, const std::string& prefix,
                                    const std::string& host_netns, const std::string& node) {
  if (name.rfind(prefix, 0) != 0)
    return false;
  const std::string suffix = "-" + node;
  return host_netns.empty() ||
         (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(),
                                                      suffix) == 0);
}

} // namespace stratus::network_agent
