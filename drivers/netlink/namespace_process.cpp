#include "drivers/netlink/namespace_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/netlink/netlink_error.hpp"

namespace stratus::netlink {

pid_t spawn_in_namespace(const std::string& netns_path, const std::vector<std::string>& argv,
                         const std::string& log_file) {
  if (argv.empty())
    throw netlink_error("no program to run in " + netns_path);
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  const int ns = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    throw netlink_error("namespace " + netns_path + ": " + std::strerror(errno));
  const int out = open(log_file.empty() ? "/dev/null" : log_file.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // The program starts with the signals as a fresh process has them, not
    // as the calling thread had them blocked or ignored (SIGTERM would not
    // stop it otherwise).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
      signal(sig, SIG_DFL);
    if (setns(ns, CLONE_NEWNET) != 0)
      _exit(126);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    const int in = open("/dev/null", O_RDONLY);
    if (in >= 0)
      dup2(in, STDIN_FILENO);
    setsid(); // not in the node's process group: a signal to it is not for us
    execvp(args[0], args.data());
    _exit(127);
  }
  const int fork_errno = errno;
  close(ns);
  if (out >= 0)
    close(out);
  if (pid < 0)
    throw netlink_error(argv[0] + " in " + netns_path + ": fork: " + std::strerror(fork_errno));
  return pid;
}

int run_in_namespace_and_wait(const std::string& netns_path, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, const std::string& log_file) {
  const pid_t pid = spawn_in_namespace(netns_path, argv, log_file);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0)
      return -1;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a child has no fd to wait on
  }
}

} // namespace stratus::netlink
