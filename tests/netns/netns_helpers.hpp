#pragma once
// What the namespace tests share: names unique to this process, running
// iproute2 and ping the way a user would, and polling with a deadline.

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/wait.hpp"

namespace stratus::test {

/// Prefix of every namespace this test process makes; the pid keeps
/// parallel runs (ctest -j) apart.
inline std::string netns_prefix() {
  return "stratus-t" + std::to_string(::getpid()) + "-";
}

struct command_result {
  int status = -1;    // the exit status, -1 if it did not exit normally
  std::string output; // stdout and stderr
};

/// Runs `command` with /bin/sh and collects what it prints.
inline command_result run(const std::string& command) {
  command_result result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
    return result;
  char buffer[4096];
  size_t n;
  while ((n = ::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline bool have_command(const std::string& name) {
  return run("command -v " + name).status == 0;
}

/// The lines of `text` containing `needle`.
inline std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos)
      found.push_back(line);
  return found;
}

/// Why the namespace tests cannot run here, or nothing: they need root
/// (namespaces, nftables) and the commands they check the kernel with.
inline std::optional<std::string> namespaces_unavailable() {
  if (::geteuid() != 0)
    return "needs root for network namespaces and nftables";
  if (!have_command("ip") || !have_command("ping"))
    return "needs iproute2 and iputils-ping";
  return std::nullopt;
}

/// This process's namespace for `role` ("host", "guest1", …).
inline std::string ns(const std::string& role) {
  return netns_prefix() + role;
}

/// Runs a command that must succeed (setting up the test's devices).
inline void sh(const std::string& command) {
  auto r = run(command);
  ASSERT_EQ(r.status, 0) << command << ": " << r.output;
}

/// One ping from the namespace `netns`, waiting at most a second for the reply.
inline bool ping_once(const std::string& netns, const std::string& address) {
  return run("ip netns exec " + netns + " ping -c1 -W1 " + address).status == 0;
}

/// Pings until a reply comes or `within` has passed (ARP and the bridges'
/// learning take a moment after the devices come up).
inline bool ping_within(const std::string& netns, const std::string& address,
                        std::chrono::milliseconds within = std::chrono::seconds(10)) {
  return wait_until([&] { return ping_once(netns, address); }, within,
                    std::chrono::milliseconds(50));
}

} // namespace stratus::test
