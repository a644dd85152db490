// Scheduler decision latency: the filters and weighers (Nova's defaults)
// over N candidate hosts, as the scheduler runs them once placement has
// answered. Prints p50 and p99 of one decision.
// Usage: build/bin/scheduler_bench [hosts, default 10000] [decisions, default 500]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "actors/scheduler/filter_scheduler.hpp"

using namespace stratus::scheduler;

int main(int argc, char** argv) {
  const std::size_t hosts_n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const int decisions = argc > 2 ? std::atoi(argv[2]) : 500;
  auto config = scheduler_config::from_names("", "", 1);
  std::mt19937_64 random{42};
  std::vector<host_state> hosts(hosts_n);
  for (std::size_t i = 0; i < hosts_n; ++i) {
    auto& h = hosts[i];
    h.host = "cmp-" + std::to_string(i);
    h.up = i % 97 != 0; // a few hosts down
    h.enabled = i % 89 != 0;
    h.zone = i % 4 == 0 ? "az2" : "nova";
    h.hypervisor_type = "QEMU";
    h.free_ram_mb = static_cast<int64_t>(random() % 65536);
    h.free_vcpus = static_cast<int64_t>(random() % 64);
    h.free_disk_gb = static_cast<int64_t>(random() % 2000);
    h.failed_builds = static_cast<int64_t>(random() % 3 == 0);
  }
  request_spec spec;
  spec.vcpus = 2;
  spec.memory_mb = 2048;
  spec.availability_zone = "nova";
  spec.group_policy = "anti-affinity";
  spec.group_hosts = {"cmp-1", "cmp-2", "cmp-3"};
  std::vector<double> us;
  std::size_t picked = 0;
  for (int i = 0; i < decisions; ++i) {
    auto copy = hosts; // each decision starts from fresh host states, as the scheduler does
    const auto start = std::chrono::steady_clock::now();
    auto r = rank_hosts(config, copy, spec, random);
    const auto end = std::chrono::steady_clock::now();
    picked += r.hosts.empty() ? 0 : 1;
    us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("scheduler decision over %zu hosts (%d decisions, %zu placed): p50 %.0f us, p99 %.0f us\n",
              hosts_n, decisions, picked, us[us.size() / 2], us[us.size() * 99 / 100]);
}
