#pragma once
// Named network namespaces as `ip netns` keeps them: a namespace stays alive
// while its file /run/netns/<name> is a bind mount of it, so `ip netns exec`
// and `ip netns list` see ours and we see theirs.
//
// setns() and unshare() change only the calling thread. None of these
// functions does either on the caller's thread: they use a short-lived
// thread of their own, so they are safe to call from any thread (a CAF
// worker included), though they block until that thread is done.

#include <functional>
#include <string>
#include <vector>

#include "drivers/netlink/netlink_error.hpp"

namespace stratus::netlink {

/// Where a named namespace lives: "/run/netns/<name>".
std::string namespace_path(const std::string& name);

/// Creates the namespace `name` if it does not exist (like `ip netns add`,
/// but no error if it is already there) and returns its path. Throws
/// netlink_error if the kernel refuses (e.g. not root).
std::string create_namespace(const std::string& name);

/// Removes the namespace's name; the namespace itself goes away, with every
/// device in it, once no process or socket uses it any more. A namespace that
/// does not exist is not an error.
void delete_namespace(const std::string& name);

/// Whether /run/netns/<name> is a live namespace (not just a stale file).
bool namespace_exists(const std::string& name);

/// Every name under /run/netns, sorted: what `ip netns list` shows,
/// including stale files a crash left behind (namespace_exists tells them
/// apart; delete_namespace removes either). None if there is no such directory.
std::vector<std::string> list_namespaces();

/// Runs `fn` on a new thread that has joined the namespace at `path`, waits
/// for it and rethrows whatever it threw. Sockets `fn` opens stay bound to
/// that namespace after it returns.
void run_in_namespace(const std::string& path, const std::function<void()>& fn);

/// Runs `fn` on a new thread in a fresh, unnamed namespace, waits for it and
/// rethrows whatever it threw. The namespace and every device made in it
/// vanish once `fn` has returned and closed its sockets: a place to try
/// something out without leaving a trace.
void run_in_scratch_namespace(const std::function<void()>& fn);

} // namespace stratus::netlink
