#pragma once
// Owning pointers for libnl objects, and turning libnl's error codes into
// netlink_error. Internal to the libnl driver.

#include <memory>
#include <new>
#include <string>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "drivers/netlink/netlink_error.hpp"

namespace stratus::netlink::libnl {

template <class T, void (*Free)(T*)> struct freer {
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

/// A libnl object released by its own put/free function.
template <class T, void (*Free)(T*)> using owned = std::unique_ptr<T, freer<T, Free>>;

using socket_ptr = owned<nl_sock, nl_socket_free>;
using link_ptr = owned<rtnl_link, rtnl_link_put>;
using addr_ptr = owned<nl_addr, nl_addr_put>;
using route_addr_ptr = owned<rtnl_addr, rtnl_addr_put>;
using neigh_ptr = owned<rtnl_neigh, rtnl_neigh_put>;
using route_ptr = owned<rtnl_route, rtnl_route_put>;
using cache_ptr = owned<nl_cache, nl_cache_free>;
using msg_ptr = owned<nl_msg, nlmsg_free>;
using callbacks_ptr = owned<nl_cb, nl_cb_put>;

/// Throws "<subject>: <operation>: <libnl's text for err>[ (<hint>)]".
/// libnl maps the kernel's errno to its own codes and texts
/// ("Operation not supported", "Object exists", …).
[[noreturn]] inline void fail(const std::string& subject, const std::string& operation, int err,
                              const std::string& hint = {}) {
  std::string what = subject + ": " + operation + ": " + nl_geterror(err);
  if (!hint.empty())
    what += " (" + hint + ")";
  throw netlink_error(what);
}

/// For libnl calls that return a negative error code or >= 0.
inline void check(int err, const std::string& subject, const std::string& operation) {
  if (err < 0)
    fail(subject, operation, err);
}

/// Makes sure an allocation succeeded (libnl returns NULL when out of memory).
template <class T> T* allocated(T* p) {
  if (!p)
    throw std::bad_alloc();
  return p;
}

} // namespace stratus::netlink::libnl
