#pragma once
// Base class of every role actor: counts what it handles and how deep its
// mailbox is, for the introspection tool.

#include <caf/event_based_actor.hpp>

#include "runtime/role.hpp"

namespace stratus::runtime {

class role_actor : public caf::event_based_actor {
public:
  role_actor(caf::actor_config& cfg, role_env env);

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  const role_env& env() const noexcept { return env_; }
  /// "role@node", for logs.
  std::string full_name() const { return env_.role + "@" + env_.node; }

private:
  role_env env_;
};

} // namespace stratus::runtime
