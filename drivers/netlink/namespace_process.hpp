#pragma once
// Programs run inside a named network namespace, as `ip netns exec` runs
// them: dnsmasq for a network's DHCP, a DHCP client in a stand-in guest.
// The child joins the namespace between fork and exec, so the caller's
// threads stay where they are.

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace stratus::netlink {

/// Starts `argv` (argv[0] looked up in PATH) inside the namespace at
/// `netns_path` and returns its pid; throws netlink_error if it cannot.
/// stdout and stderr go to `log_file` (appended; /dev/null if empty).
pid_t spawn_in_namespace(const std::string& netns_path, const std::vector<std::string>& argv,
                         const std::string& log_file = "");

/// Runs `argv` inside the namespace and waits for it at most `timeout`
/// (then kills it); returns its exit status, or -1 if it was killed.
int run_in_namespace_and_wait(const std::string& netns_path, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, const std::string& log_file = "");

} // namespace stratus::netlink
