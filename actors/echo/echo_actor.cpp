#include "actors/echo/echo_actor.hpp"

#include <stdexcept>

#include <caf/all.hpp>

#include "messages/cluster.hpp"
#include "messages/context.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

class echo_actor : public runtime::role_actor {
public:
  using role_actor::role_actor;

  caf::behavior make_behavior() override {
    return {
      [this](const msg::context&, const msg::echo_request& req) {
        return msg::echo_reply{req.text, env().node};
      },
      [this](const msg::context&, const msg::count_request& req) {
        total_ += req.amount;
        return msg::count_reply{total_, notices_};
      },
      [this](const msg::context&, const msg::echo_notice&) { ++notices_; },
      [this](const msg::context& ctx, const msg::crash_request& req) -> msg::echo_reply {
        STRATUS_LOG(spdlog::level::warn, env().role, ctx.request_id, "crashing on request: {}",
                    req.reason);
        throw std::runtime_error("crash requested: " + req.reason);
      },
    };
  }

private:
  uint64_t total_ = 0;
  uint64_t notices_ = 0;
};

} // namespace

caf::actor spawn_echo(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<echo_actor, caf::linked>(env);
}

} // namespace stratus::actors
