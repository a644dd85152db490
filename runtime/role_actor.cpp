#include "runtime/role_actor.hpp"

#include "runtime/errors.hpp"
#include "runtime/log.hpp"

namespace stratus::runtime {

role_actor::role_actor(caf::actor_config& cfg, role_env env)
  : caf::event_based_actor(cfg), env_(std::move(env)) {
  // An exception ends the actor with a typed error that keeps its text, so
  // the supervisor and the introspection tool can say what happened.
  set_exception_handler([role = env_.role](caf::scheduled_actor*, std::exception_ptr& eptr) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LOG_ERROR(role, "unhandled exception: {}", what);
    return make_error(msg::errc::internal, what);
  });
}

caf::invoke_message_result role_actor::consume(caf::mailbox_element& x) {
  env_.stats->handled.fetch_add(1, std::memory_order_relaxed);
  env_.stats->mailbox.store(mailbox().size(), std::memory_order_relaxed);
  return caf::event_based_actor::consume(x);
}

} // namespace stratus::runtime
