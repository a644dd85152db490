#include "tools/cluster/libvirt_daemons.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stratus::tools {
namespace {

constexpr auto start_timeout = std::chrono::seconds(15);

/// Whether the pid in `pid_file` is a live process.
bool running(const char* pid_file) {
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  return pid > 0 && kill(pid, 0) == 0;
}

/// Runs `program -d` (it forks into the background) and waits for the
/// foreground part.
void start_daemon(const char* program) {
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error(std::string("cannot start ") + program);
  if (pid == 0) {
    execlp(program, program, "-d", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    throw std::runtime_error(std::string("cannot run ") + program +
                             " (is libvirt-daemon-system installed?)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(std::string(program) + " did not start (exit status " +
                             std::to_string(WEXITSTATUS(status)) + ")");
}

/// /dev/kvm as Debian's udev rule leaves it (root:kvm, 0660). Machines
/// without udev may have it root-only; libvirt then finds its QEMU probe
/// (which could use KVM) at odds with the device's access and probes again
/// on every call, seconds each. Guests still use TCG where KVM cannot run
/// them (hypervisor/kvm_support.hpp).
void kvm_device_as_udev_leaves_it() {
  struct stat st{};
  const group* kvm = getgrnam("kvm");
  if (stat("/dev/kvm", &st) != 0 || !kvm)
    return;
  if (st.st_gid != kvm->gr_gid && chown("/dev/kvm", 0, kvm->gr_gid) != 0)
    return;
  if ((st.st_mode & 0777) != 0660)
    chmod("/dev/kvm", 0660);
}

} // namespace

void ensure_libvirt_daemons() {
  kvm_device_as_udev_leaves_it();
  if (!running("/run/virtlogd.pid"))
    start_daemon("virtlogd");
  if (!running("/run/libvirtd.pid"))
    start_daemon("libvirtd");
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (!std::filesystem::exists("/run/libvirt/libvirt-sock")) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("libvirtd started but its socket /run/libvirt/libvirt-sock did "
                               "not appear");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace stratus::tools
