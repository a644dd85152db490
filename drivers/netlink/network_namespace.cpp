#include "drivers/netlink/network_namespace.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <linux/magic.h> // NSFS_MAGIC
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace stratus::netlink {
namespace {

constexpr const char* run_dir = "/run/netns";

[[noreturn]] void fail(const std::string& what, int err) {
  throw netlink_error(what + ": " + std::strerror(err));
}

void check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw netlink_error("network namespace \"" + name + "\": invalid name");
}

/// Makes /run/netns a shared mount point, as `ip netns add` does: a
/// namespace unmounted here is then unmounted in every mount namespace that
/// copied it (`ip netns exec` makes such copies), so nothing keeps it alive.
void prepare_run_dir() {
  if (mkdir(run_dir, 0755) != 0 && errno != EEXIST)
    fail("create /run/netns", errno);
  if (mount("", run_dir, "none", MS_SHARED | MS_REC, nullptr) == 0)
    return;
  if (errno != EINVAL)
    fail("make /run/netns a shared mount", errno);
  // EINVAL: not a mount point yet. Bind it onto itself, then share it.
  if (mount(run_dir, run_dir, "none", MS_BIND | MS_REC, nullptr) != 0)
    fail("bind-mount /run/netns", errno);
  if (mount("", run_dir, "none", MS_SHARED | MS_REC, nullptr) != 0)
    fail("make /run/netns a shared mount", errno);
}

/// A namespace file is a bind mount of nsfs; a stale file left by a crash
/// lives on /run's tmpfs instead.
bool is_namespace_file(const std::string& path) {
  struct statfs fs {};
  return statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

/// Serialises create and delete within this process (two threads creating
/// one name must not stack two mounts).
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

} // namespace

std::string namespace_path(const std::string& name) {
  return std::string(run_dir) + "/" + name;
}

std::string create_namespace(const std::string& name) {
  check_name(name);
  const std::lock_guard lock(registry_mutex());
  const std::string path = namespace_path(name);
  if (is_namespace_file(path))
    return path;
  prepare_run_dir();
  // The mount point; it may already exist, left behind by a crash.
  const int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0);
  if (fd < 0)
    fail("network namespace " + path + ": create", errno);
  close(fd);

  // unshare() moves only the calling thread, so let a throw-away thread make
  // the namespace; the bind mount keeps it alive after the thread is gone.
  int err = 0;
  const char* step = "";
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      err = errno;
      step = "unshare";
    } else if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      err = errno;
      step = "bind-mount";
    }
  }).join();
  if (err != 0) {
    unlink(path.c_str());
    fail("network namespace " + path + ": " + step, err);
  }
  return path;
}

void delete_namespace(const std::string& name) {
  check_name(name);
  const std::lock_guard lock(registry_mutex());
  const std::string path = namespace_path(name);
  // Unmount until nothing is mounted there (a racing `ip netns add` may
  // have stacked a second mount); EINVAL = not a mount, ENOENT = no file.
  while (umount2(path.c_str(), MNT_DETACH) == 0) {
  }
  if (errno != EINVAL && errno != ENOENT)
    fail("network namespace " + path + ": unmount", errno);
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    fail("network namespace " + path + ": remove", errno);
}

bool namespace_exists(const std::string& name) {
  check_name(name);
  return is_namespace_file(namespace_path(name));
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, ec))
    names.push_back(entry.path().filename().string());
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw netlink_error(std::string("list ") + run_dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

void run_in_namespace(const std::string& path, const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      // An empty path means the namespace of the calling thread, which a
      // new thread starts in anyway.
      if (!path.empty()) {
        const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          fail("network namespace " + path + ": open", errno);
        const int rc = setns(fd, CLONE_NEWNET);
        const int err = errno;
        close(fd);
        if (rc != 0)
          fail("network namespace " + path + ": join", err);
      }
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error)
    std::rethrow_exception(error);
}

void run_in_scratch_namespace(const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      if (unshare(CLONE_NEWNET) != 0)
        fail("scratch network namespace: unshare", errno);
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error)
    std::rethrow_exception(error);
}

} // namespace stratus::netlink
