#pragma once
// Node processes as the launcher sees them: started detached with their
// output in a log file, tracked by pid files, stopped with SIGTERM then SIGKILL.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace stratus::tools {

/// Starts `binary --config config` in its own session, stdout and stderr
/// appended to `log`. Returns its pid; throws with a clear text on failure.
pid_t start_node_process(const std::filesystem::path& binary, const std::filesystem::path& config,
                         const std::filesystem::path& log);

/// The pid recorded in `pid_file` if that process is alive and is a
/// stratus-node (a stale or reused pid is ignored).
std::optional<pid_t> running_pid(const std::filesystem::path& pid_file);

void write_pid(const std::filesystem::path& pid_file, pid_t pid);

/// If `pid` is our child and has exited, its exit code (or 128+signal).
std::optional<int> reap_if_exited(pid_t pid);

/// SIGTERM, wait up to `grace`, then SIGKILL. Returns true if it had to kill.
bool stop_process(pid_t pid, std::chrono::milliseconds grace);

/// The last `n` lines of a file.
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t n);

/// Whether TCP `port` on `host` can be bound right now.
bool port_is_free(const std::string& host, int port);

/// A port the kernel considers free on `host`.
int pick_free_port(const std::string& host);

} // namespace stratus::tools
