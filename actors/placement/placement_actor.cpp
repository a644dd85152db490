#include "actors/placement/placement_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/common/record_io.hpp"
#include "actors/placement/placement_api.hpp"
#include "messages/api.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::placement;
using record_io::load_atom;

class placement_actor : public runtime::role_actor {
public:
  placement_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)), api_(model_) {
    conductor_name_ = this->env().setting("conductor", "conductor@" + this->env().node);
  }

  caf::behavior make_behavior() override {
    return loading();
  }

private:
  /// Until the records are loaded, requests wait in the mailbox.
  caf::behavior loading() {
    return record_io::loading(this, [this] { load(); });
  }

  caf::behavior ready() {
    return {
        [this](const msg::context& ctx,
               const msg::api_call_request& req) -> caf::result<msg::api_call_reply> {
          auto r = api_.handle(ctx, req, runtime::unix_seconds());
          if (r.error)
            return runtime::make_error(*r.error);
          if (r.changes.empty())
            return std::move(r.reply);
          auto rp = make_response_promise<msg::api_call_reply>();
          write(ctx, std::move(r.changes), [this, rp, reply = std::move(r.reply)](
                                               std::optional<msg::error> err) mutable {
            if (err) {
              rp.deliver(runtime::make_error(*err));
              // The model already holds what could not be written: start
              // again from what the conductor has.
              become(loading());
              return;
            }
            rp.deliver(std::move(reply));
          });
          return rp;
        },
    };
  }

  void load() {
    model_ = placement_model{}; // a retry starts afresh
    record_io::load_role_table(this, conductor_name_, "placement",
                               [this](record_change c) { model_.apply(c); }, [this] {
                                 LOG_INFO(env().role, "serving {} resource providers, {} consumers",
                                          model_.providers().size(), model_.consumers().size());
                                 set_default_handler(caf::print_and_drop);
                                 become(ready());
                               });
  }

  template <class Done>
  void write(const msg::context& ctx, std::vector<model_change> changes, Done done) {
    record_io::write_role_changes(this, conductor_name_, ctx, "placement", changes, std::move(done));
  }

  placement_model model_;
  placement_api api_;
  std::string conductor_name_;
};

} // namespace

caf::actor spawn_placement(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<placement_actor, caf::linked>(env);
}

} // namespace stratus::actors
