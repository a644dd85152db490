#pragma once
// The one error of the netlink module: the kernel (or a namespace syscall)
// refused. `what()` names the device, the operation and the kernel's reason.

#include <stdexcept>

namespace stratus::netlink {

/// A netlink request or a namespace operation failed; `what()` reads like
/// "vxlan device vxlan-42: create: Operation not supported".
class netlink_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace stratus::netlink
