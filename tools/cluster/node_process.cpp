#include "tools/cluster/node_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace stratus::tools {

pid_t start_node_process(const std::filesystem::path& binary, const std::filesystem::path& config,
                         const std::filesystem::path& log) {
  if (::access(binary.c_str(), X_OK) != 0)
    throw std::runtime_error("the node binary " + binary.string() +
                             " is missing or not executable (build first: tools/build.sh)");
  return start_process({binary.string(), "--config", config.string()}, log);
}

pid_t start_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  if (argv.empty())
    throw std::runtime_error("start_process: no command");
  // Built before fork: the child only execs.
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::filesystem::create_directories(log.parent_path());
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open the log " + log.string() + ": " + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw std::runtime_error(std::string{"fork failed: "} + std::strerror(errno));
  }
  if (pid == 0) {
    ::setsid();
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

namespace {

/// The file name of a process's argv[0], or "" if it is gone.
std::string program_of(pid_t pid) {
  std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmd, argv0, '\0');
  return std::filesystem::path(argv0).filename();
}

bool is_node_program(const std::string& program) {
  return program == "stratus-node" || program == "linux.uml";
}

/// The live (non-zombie) processes whose process group is `pgid`.
std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    std::getline(in, line);
    auto paren = line.rfind(')');
    if (paren == std::string::npos || paren + 2 >= line.size())
      continue;
    std::istringstream rest(line.substr(paren + 2)); // state ppid pgrp …
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z')
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

} // namespace

int kill_group_remnants(const std::filesystem::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t leader = 0;
  if (!(in >> leader) || leader <= 0 || running_pid(pid_file))
    return 0;
  int killed = 0;
  for (pid_t pid : group_members(leader))
    if (is_node_program(program_of(pid)) && ::kill(pid, SIGKILL) == 0)
      ++killed;
  for (int i = 0; i < 100 && !group_members(leader).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  return killed;
}

std::optional<pid_t> running_pid(const std::filesystem::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0)
    return std::nullopt;
  if (::kill(pid, 0) != 0)
    return std::nullopt;
  std::ifstream status("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_line;
  std::getline(status, stat_line);
  auto close_paren = stat_line.rfind(')');
  if (close_paren != std::string::npos && close_paren + 2 < stat_line.size() &&
      stat_line[close_paren + 2] == 'Z')
    return std::nullopt;  // a zombie is not running
  if (!is_node_program(program_of(pid)))
    return std::nullopt;
  return pid;
}

void write_pid(const std::filesystem::path& pid_file, pid_t pid) {
  std::filesystem::create_directories(pid_file.parent_path());
  std::ofstream out(pid_file);
  out << pid << "\n";
}

std::optional<int> reap_if_exited(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid)
    return std::nullopt;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return std::nullopt;
}

namespace {
bool gone(pid_t pid) {
  reap_if_exited(pid);  // if it is our child
  if (::kill(pid, 0) != 0)
    return true;
  std::ifstream status("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(status, line);
  auto p = line.rfind(')');
  return p != std::string::npos && p + 2 < line.size() && line[p + 2] == 'Z';
}
} // namespace

bool stop_process(pid_t pid, std::chrono::milliseconds grace) {
  // Asked before it dies: afterwards its pid may name another group.
  const bool leads_group = ::getpgid(pid) == pid;
  auto mop_up = [&] {
    if (leads_group)
      ::kill(-pid, SIGKILL); // no such group any more is fine
  };
  ::kill(pid, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    if (gone(pid)) {
      mop_up();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !gone(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  mop_up();
  return true;
}

std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t n) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > n)
      lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

namespace {
int bound_port(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int one = 1;  // as ZeroMQ binds: a port in TIME_WAIT is free
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  int result = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    result = ntohs(addr.sin_port);
  }
  ::close(fd);
  return result;
}
} // namespace

bool port_is_free(const std::string& host, int port) {
  return bound_port(host, port) == port;
}

int pick_free_port(const std::string& host) {
  int p = bound_port(host, 0);
  if (p <= 0)
    throw std::runtime_error("no free port on " + host);
  return p;
}

} // namespace stratus::tools
