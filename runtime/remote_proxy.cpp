// The proxy for a remote "role@node" (declared in runtime/bridge.hpp).

#include <caf/all.hpp>

#include "runtime/bridge.hpp"
#include "runtime/forward_atom.hpp"
#include "runtime/transport.hpp"
#include "runtime/wire_registry.hpp"

namespace stratus::runtime {
namespace {

/// Notices go straight to the transport; everything else is delegated to the
/// bridge as (forward, destination, context, request), so the remote reply
/// answers the original caller.
caf::behavior remote_proxy(caf::event_based_actor* self, caf::actor bridge_handle,
                           transport* tp, std::string source, std::string role,
                           std::string node) {
  auto destination = role + "@" + node;
  self->set_default_handler(
    [=](caf::scheduled_actor* me, caf::message_view& x) -> caf::result<caf::message> {
      auto content = x.move_content_to_message();
      if (try_send_notice(*tp, source, destination, node, content))
        return caf::message{};
      auto msg = caf::message::concat(caf::make_message(forward_atom::value, destination),
                                      std::move(content));
      return static_cast<caf::event_based_actor*>(me)->delegate(bridge_handle, std::move(msg));
    });
  return {[] {}};  // everything goes through the default handler
}

} // namespace

caf::actor spawn_remote_proxy(caf::actor_system& sys, caf::actor bridge_handle, transport& tp,
                              std::string source, std::string role, std::string node) {
  return sys.spawn(remote_proxy, std::move(bridge_handle), &tp, std::move(source),
                   std::move(role), std::move(node));
}

} // namespace stratus::runtime
