// The network agent's resync over a host with N ports: the first pass
// (bridges, VXLAN devices and remotes made, taps plugged) and a steady
// pass (everything already right: what the agent does every interval),
// through the real netlink driver in a scratch network namespace.
// Needs root. Prints both times.
// Usage: build/bin/agent_resync_bench [ports, default 1000] [networks, default 100]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "actors/network_agent/host_sync.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"

using namespace stratus;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string hex_id(std::size_t n) {
  char out[64];
  std::snprintf(out, sizeof out, "%08zx-0000-4000-8000-000000000000", n);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::puts("needs root: it makes network namespaces and devices");
    return 77;
  }
  const std::size_t ports = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  const std::size_t networks = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
  const std::string host_ns = "stratus-bench-host-" + std::to_string(getpid());
  const std::string guest_ns = "stratus-bench-guests-" + std::to_string(getpid());
  const auto host_path = netlink::create_namespace(host_ns);
  const auto guest_path = netlink::create_namespace(guest_ns);
  int status = 0;
  try {
    auto kernel = netlink::open_netlink_driver(host_path);
    // The underlay, and one tap per port as a hypervisor would make it.
    kernel->ensure_veth("ul0", "ul0-peer", guest_path);
    kernel->ensure_address("ul0", "198.51.100.2/24");
    kernel->set_up("ul0");
    json bindings = json::array();
    for (std::size_t i = 0; i < ports; ++i) {
      const auto port = hex_id(i);
      const auto network = hex_id(1000000 + i % networks);
      const auto tap = "tap" + port.substr(0, 11);
      kernel->ensure_veth(tap, "g" + std::to_string(i), guest_path);
      bindings.push_back({{"port_id", port},
                          {"network_id", network},
                          {"network_type", "vxlan"},
                          {"segmentation_id", 100 + i % networks},
                          {"mtu", 1450},
                          {"bridge", "brq" + network.substr(0, 11)},
                          {"tap", tap},
                          {"status", "DOWN"},
                          {"admin_state_up", true},
                          {"remotes", {"198.51.100.3", "198.51.100.4"}}});
    }
    network_agent::host_config config{"198.51.100.2", "ul0", {}, 4789};
    auto start = std::chrono::steady_clock::now();
    auto first = network_agent::sync_host(*kernel, bindings, config);
    const double cold = seconds_since(start);
    start = std::chrono::steady_clock::now();
    auto steady = network_agent::sync_host(*kernel, bindings, config);
    const double warm = seconds_since(start);
    std::printf("%zu ports on %zu vxlan networks: first resync %.3f s (%zu up, %zu errors), "
                "steady resync %.3f s (%zu up, %zu errors)\n",
                ports, networks, cold, first.up.size(), first.errors.size(), warm,
                steady.up.size(), steady.errors.size());
    for (std::size_t i = 0; i < first.errors.size() && i < 5; ++i)
      std::printf("  %s\n", first.errors[i].c_str());
  } catch (const std::exception& e) {
    std::printf("failed: %s\n", e.what());
    status = 1;
  }
  netlink::delete_namespace(host_ns);
  netlink::delete_namespace(guest_ns);
  return status;
}
