#pragma once
// The netlink driver on libnl-route-3: one NETLINK_ROUTE socket, opened in
// the namespace the driver manages. A netlink socket stays bound to the
// namespace it was created in, so after opening, the driver works on that
// namespace from whatever thread calls it — no setns on the caller's thread.
// Bridge options (STP, forward delay) and the bridge port flag "isolated"
// are hand-built messages sent through libnl's message API, since libnl 3.7
// has no calls for them; so is the dump of a VXLAN device's forwarding
// entries, to have the kernel filter it to one device as
// `bridge fdb show dev X` does.

#include <memory>
#include <string>

#include "drivers/netlink/netlink_driver.hpp"

namespace stratus::netlink {

/// A driver for the namespace at `netns_path` ("/run/netns/<name>", see
/// create_namespace), or for the caller's namespace if it is empty. Throws
/// netlink_error if the namespace cannot be joined or the socket opened.
std::unique_ptr<netlink_driver> open_netlink_driver(const std::string& netns_path);

} // namespace stratus::netlink
