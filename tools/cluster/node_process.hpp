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

/// Starts `argv` (argv[0] an absolute path) in its own session, stdout and
/// stderr appended to `log`, stdin /dev/null. Returns its pid; throws with a
/// clear text on failure.
pid_t start_process(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// Starts `binary --config config` as start_process does.
pid_t start_node_process(const std::filesystem::path& binary, const std::filesystem::path& config,
                         const std::filesystem::path& log);

/// The pid recorded in `pid_file` if that process is alive and is a
/// stratus-node or the user-mode Linux kernel one runs in (a stale or
/// reused pid is ignored).
std::optional<pid_t> running_pid(const std::filesystem::path& pid_file);

void write_pid(const std::filesystem::path& pid_file, pid_t pid);

/// If `pid` is our child and has exited, its exit code (or 128+signal).
std::optional<int> reap_if_exited(pid_t pid);

/// SIGTERM, wait up to `grace`, then SIGKILL. Returns true if it had to
/// kill. If `pid` leads a process group (as start_process makes it), what
/// is left of the group afterwards is killed too: a UML kernel's helpers.
bool stop_process(pid_t pid, std::chrono::milliseconds grace);

/// Kills what is left of the process group led by the pid in `pid_file`
/// once that leader is gone: a UML kernel killed with SIGKILL leaves helper
/// processes behind that keep its taps. Only members running stratus-node
/// or linux.uml are signalled, so a pid reused since is never hit. Returns
/// how many were killed.
int kill_group_remnants(const std::filesystem::path& pid_file);

/// The last `n` lines of a file.
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t n);

/// Whether TCP `port` on `host` can be bound right now.
bool port_is_free(const std::string& host, int port);

/// A port the kernel considers free on `host`.
int pick_free_port(const std::string& host);

} // namespace stratus::tools
