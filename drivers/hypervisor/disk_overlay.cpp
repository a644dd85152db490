#include "drivers/hypervisor/disk_overlay.hpp"

#include <filesystem>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/hypervisor/hypervisor_driver.hpp"

extern char** environ;

namespace stratus::hypervisor {

void create_overlay(const std::string& base, const std::string& base_format,
                    const std::string& overlay) {
  if (std::filesystem::exists(overlay))
    return;
  const std::string partial = overlay + ".part";
  std::vector<std::string> args{"qemu-img", "create", "-q", "-f", "qcow2", "-b", base,
                                "-F",       base_format, partial};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  // qemu-img's complaint, for the error.
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0)
    throw hypervisor_error("creating the disk of " + overlay + ": no pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "qemu-img", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; spawned == 0 && (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    message.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  if (spawned != 0)
    throw hypervisor_error("creating the disk of " + overlay + ": cannot run qemu-img (is "
                           "qemu-utils installed?)");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::filesystem::remove(partial);
    throw hypervisor_error("creating the disk of " + overlay + ": " +
                           (message.empty() ? std::string("qemu-img failed") : message));
  }
  std::filesystem::rename(partial, overlay); // whole or not at all
}

} // namespace stratus::hypervisor
