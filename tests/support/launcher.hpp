#pragma once
// Drives the real stratus-launch binary: tests of whole clusters start and
// stop them exactly as an operator does.

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>

namespace stratus::test {

struct command_result {
  int code = -1;
  std::string output;  // stdout and stderr
};

/// Runs a shell command, capturing its output and exit code.
inline command_result run(const std::string& command) {
  command_result r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr)
    return r;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
    r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// `stratus-launch <args> --state-dir <dir>`
inline command_result launch(const std::filesystem::path& state_dir, const std::string& args) {
  auto sub = args.substr(0, args.find(' '));
  auto rest = args.size() > sub.size() ? args.substr(sub.size()) : std::string{};
  return run(std::string{STRATUS_BIN_DIR} + "/stratus-launch " + sub + " --state-dir " +
             state_dir.string() + rest);
}

/// `stratus-inspect --state-dir <dir> <args>`
inline command_result inspect(const std::filesystem::path& state_dir, const std::string& args) {
  return run(std::string{STRATUS_BIN_DIR} + "/stratus-inspect --state-dir " + state_dir.string() +
             " " + args);
}

/// The pid the launcher recorded for `node`.
inline pid_t node_pid(const std::filesystem::path& state_dir, const std::string& node) {
  std::ifstream in(state_dir / "run" / (node + ".pid"));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

/// Whether `pid` is still a live (non-zombie) process.
inline bool alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0)
    return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto p = line.rfind(')');
  return !(p != std::string::npos && p + 2 < line.size() && line[p + 2] == 'Z');
}

/// Writes a cluster file into `dir` and returns its path.
inline std::filesystem::path write_cluster_file(const std::filesystem::path& dir,
                                                const std::string& text) {
  auto file = dir / "cluster-input.toml";
  std::ofstream(file) << text;
  return file;
}

} // namespace stratus::test
