#include "actors/network/network_server_actor.hpp"

#include <caf/all.hpp>

#include "actors/common/comma_list.hpp"
#include "actors/common/record_io.hpp"
#include "actors/network/network_api.hpp"
#include "messages/api.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::network;
using record_io::load_atom;

type_driver_config type_config(const runtime::role_env& env) {
  type_driver_config c;
  c.vni_ranges = parse_id_ranges(env.setting("vni_ranges", "1:1000"), 16777215);
  c.gre_ranges = parse_id_ranges(env.setting("gre_ranges", "1:1000"), 4294967295u);
  c.vlan_ranges = parse_vlan_ranges(env.setting("network_vlan_ranges", "physnet1:1000:1999"));
  c.flat_networks.clear();
  for (auto& physnet : api_support::comma_list(env.setting("flat_networks", "*")))
    c.flat_networks.insert(physnet);
  return c;
}

network_settings server_settings(const runtime::role_env& env) {
  network_settings s;
  s.tenant_network_type = env.setting("tenant_network_type", s.tenant_network_type);
  s.global_physnet_mtu = static_cast<unsigned>(std::stoul(env.setting("global_physnet_mtu", "1500")));
  return s;
}

class network_server_actor : public runtime::role_actor {
public:
  network_server_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)), config_(type_config(this->env())),
        agents_(std::stoll(this->env().setting("agent_down_time", "75"))),
        model_(std::make_unique<network_model>(config_)),
        api_(std::make_unique<network_api>(*model_, agents_, server_settings(this->env()))) {
    conductor_name_ = this->env().setting("conductor", "conductor@" + this->env().node);
  }

  caf::behavior make_behavior() override {
    return loading();
  }

private:
  /// Until the records are loaded, requests wait in the mailbox.
  caf::behavior loading() {
    set_default_handler(caf::skip);
    send(this, load_atom::value);
    return {[this](load_atom) { load(); }};
  }

  caf::behavior ready() {
    return {
        [this](const msg::context& ctx,
               const msg::api_call_request& req) -> caf::result<msg::api_call_reply> {
          auto r = api_->handle(ctx, req, runtime::unix_seconds());
          return finish(ctx, std::move(r));
        },
    };
  }

  /// Writes the result's changes, then answers; a failed write means the
  /// model holds what the database refused: reload it.
  caf::result<msg::api_call_reply> finish(const msg::context& ctx, api_result r) {
    if (r.error)
      return runtime::make_error(*r.error);
    if (r.changes.empty())
      return std::move(r.reply);
    auto rp = make_response_promise<msg::api_call_reply>();
    record_io::write_role_changes(
        this, conductor_name_, ctx, "network", r.changes,
        [this, rp, reply = std::move(r.reply)](std::optional<msg::error> err) mutable {
          if (err) {
            rp.deliver(runtime::make_error(*err));
            become(loading());
            return;
          }
          rp.deliver(std::move(reply));
        });
    return rp;
  }

  void load() {
    // A retry starts afresh: the type drivers forget their segments too.
    model_ = std::make_unique<network_model>(config_);
    api_ = std::make_unique<network_api>(*model_, agents_, server_settings(env()));
    record_io::load_role_table(this, conductor_name_, "network",
                               [this](record_change c) { model_->apply(c); }, [this] {
                                 LOG_INFO(env().role, "serving {} networks, {} subnets, {} ports",
                                          model_->networks().size(), model_->subnets().size(),
                                          model_->ports().size());
                                 set_default_handler(caf::print_and_drop);
                                 become(ready());
                               });
  }

  type_driver_config config_;
  agent_registry agents_;
  std::unique_ptr<network_model> model_;
  std::unique_ptr<network_api> api_;
  std::string conductor_name_;
};

} // namespace

caf::actor spawn_network_server(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<network_server_actor, caf::linked>(env);
}

} // namespace stratus::actors
