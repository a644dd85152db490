#include "runtime/role_actor.hpp"

namespace stratus::runtime {

role_actor::role_actor(caf::actor_config& cfg, role_env env)
  : caf::event_based_actor(cfg), env_(std::move(env)) {}

caf::invoke_message_result role_actor::consume(caf::mailbox_element& x) {
  env_.stats->handled.fetch_add(1, std::memory_order_relaxed);
  env_.stats->mailbox.store(mailbox().size(), std::memory_order_relaxed);
  return caf::event_based_actor::consume(x);
}

} // namespace stratus::runtime
