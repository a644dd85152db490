#include "actors/network/network_server_actor.hpp"

#include <caf/all.hpp>

#include "actors/common/comma_list.hpp"
#include "actors/common/record_io.hpp"
#include "actors/network/network_api.hpp"
#include "messages/api.hpp"
#include "messages/network.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/random_id.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::network;
using record_io::load_atom;
using poll_timeout_atom = caf::atom_constant<caf::atom("pollto")>;

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
  s.dhcp_agents_per_network =
      static_cast<unsigned>(std::stoul(env.setting("dhcp_agents_per_network", "1")));
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
    return record_io::loading(this, [this] { load(); });
  }

  caf::behavior ready() {
    return {
        [this](const msg::context& ctx,
               const msg::api_call_request& req) -> caf::result<msg::api_call_reply> {
          auto r = api_->handle(ctx, req, runtime::unix_seconds());
          return finish(ctx, std::move(r));
        },
        // -- the agents ------------------------------------------------------
        [this](const msg::context&, const msg::report_agent_request& req) {
          agent_info a;
          a.id = runtime::new_uuid();
          a.host = req.host;
          a.tunnel_ip = req.tunnel_ip;
          for (auto& m : req.bridge_mappings)
            if (auto colon = m.find(':'); colon != std::string::npos)
              a.bridge_mappings[m.substr(0, colon)] = m.substr(colon + 1);
          a.device_kinds = {req.device_kinds.begin(), req.device_kinds.end()};
          a.started_at = req.started_at;
          const auto now = runtime::unix_seconds();
          const agent_info* before = agents_.alive_on(req.host, now);
          const bool new_tunnel_endpoint =
              !before || before->started_at != req.started_at || before->tunnel_ip != req.tunnel_ip;
          agents_.report(std::move(a), now);
          // Other hosts' agents learn of this one's tunnel endpoint at once.
          if (new_tunnel_endpoint)
            model_changed();
          return msg::report_agent_reply{agents_.by_host().at(req.host).id};
        },
        [this](const msg::context& ctx, const msg::get_host_ports_request& req)
            -> caf::result<msg::get_host_ports_reply> {
          reschedule_routers(ctx);
          if (req.known_generation != generation_ || req.wait_ms == 0)
            return host_ports(req.host);
          // Nothing new for this agent yet: answer when something changes.
          const uint64_t ticket = ++next_ticket_;
          auto rp = make_response_promise<msg::get_host_ports_reply>();
          waiting_agents_.emplace(ticket, waiting_agent{req.host, rp});
          delayed_send(this, std::chrono::milliseconds(std::min<uint32_t>(req.wait_ms, 60000)),
                       poll_timeout_atom::value, ticket);
          return rp;
        },
        [this](poll_timeout_atom, uint64_t ticket) {
          auto it = waiting_agents_.find(ticket);
          if (it == waiting_agents_.end())
            return;
          reschedule_routers(msg::context{});
          it->second.promise.deliver(host_ports(it->second.host));
          waiting_agents_.erase(it);
        },
        [this](const msg::context& ctx, const msg::update_port_status_request& req)
            -> caf::result<msg::update_port_status_reply> {
          const auto now = runtime::unix_seconds();
          auto r = api_->update_port_status(req.host, req.up, req.down, now);
          if (!r.error && (!req.floating_ips_up.empty() || !req.floating_ips_down.empty())) {
            auto f = api_->update_floating_ip_status(req.host, req.floating_ips_up,
                                                     req.floating_ips_down, now);
            const auto ports = json::parse(r.reply.body).value("changed", uint32_t{0});
            const auto fips = json::parse(f.reply.body).value("changed", uint32_t{0});
            r.changes.insert(r.changes.end(), f.changes.begin(), f.changes.end());
            r.reply.body = json{{"changed", ports + fips}}.dump();
          }
          return then_reply<msg::update_port_status_reply>(ctx, std::move(r), [](const std::string& body) {
            return msg::update_port_status_reply{
                json::parse(body).value("changed", uint32_t{0})};
          });
        },
        // -- the compute nodes -----------------------------------------------
        [this](const msg::context& ctx, const msg::allocate_ports_request& req)
            -> caf::result<msg::allocate_ports_reply> {
          const json requested = json::parse(req.requested, nullptr, false);
          if (requested.is_discarded())
            return runtime::make_error(msg::error{msg::errc::invalid, "requested is not JSON"});
          const json groups = req.security_groups.empty()
                                  ? json::array()
                                  : json::parse(req.security_groups, nullptr, false);
          if (!groups.is_array())
            return runtime::make_error(msg::error{msg::errc::invalid, "security_groups is not a JSON array"});
          auto r = api_->allocate_ports(req.instance_id, req.project_id, req.host, requested,
                                        runtime::unix_seconds(), groups);
          return then_reply<msg::allocate_ports_reply>(
              ctx, std::move(r), [](const std::string& body) { return msg::allocate_ports_reply{body}; });
        },
        [this](const msg::context& ctx, const msg::deallocate_ports_request& req)
            -> caf::result<msg::deallocate_ports_reply> {
          auto r = api_->deallocate_ports(req.instance_id, req.host, req.port_id, runtime::unix_seconds());
          return then_reply<msg::deallocate_ports_reply>(ctx, std::move(r), [](const std::string& body) {
            return msg::deallocate_ports_reply{json::parse(body).value("released", uint32_t{0})};
          });
        },
    };
  }

  /// Like finish(), for a typed reply made from the result's body.
  template <class Reply, class Make>
  caf::result<Reply> then_reply(const msg::context& ctx, api_result r, Make make) {
    if (r.error)
      return runtime::make_error(*r.error);
    auto rp = make_response_promise<Reply>();
    write(ctx, std::move(r.changes), [rp, reply = make(r.reply.body)](std::optional<msg::error> err) mutable {
      if (err)
        rp.deliver(runtime::make_error(*err));
      else
        rp.deliver(std::move(reply));
    });
    return rp;
  }

  /// Writes `changes` (nothing to write: done at once); a failed write
  /// means the model holds what the database refused: reload it.
  void write(const msg::context& ctx, std::vector<record_change> changes,
             std::function<void(std::optional<msg::error>)> done) {
    if (changes.empty())
      return done(std::nullopt);
    record_io::write_role_changes(this, conductor_name_, ctx, "network", changes,
                                  [this, done](std::optional<msg::error> err) {
                                    if (err)
                                      become(loading());
                                    else
                                      model_changed();
                                    done(err);
                                  });
  }

  /// Routers whose host's agent died move to a live one (written in the
  /// background: the model has them moved already).
  void reschedule_routers(const msg::context& ctx) {
    auto moved = api_->reschedule_routers(runtime::unix_seconds());
    if (!moved.changes.empty())
      write(ctx, std::move(moved.changes), [](std::optional<msg::error>) {});
  }

  /// What an agent realises on its host, at the current generation.
  msg::get_host_ports_reply host_ports(const std::string& host) {
    const auto now = runtime::unix_seconds();
    const json bindings = api_->host_bindings(host, now);
    return {bindings.dump(), api_->host_security_groups(bindings).dump(), generation_,
            api_->host_routers(host, now).dump()};
  }

  /// A committed change: agents waiting for one get their host's state.
  void model_changed() {
    ++generation_;
    auto waiting = std::move(waiting_agents_);
    waiting_agents_.clear();
    for (auto& [ticket, agent] : waiting)
      agent.promise.deliver(host_ports(agent.host));
  }

  /// Writes the result's changes, then answers.
  caf::result<msg::api_call_reply> finish(const msg::context& ctx, api_result r) {
    if (!r.error && r.changes.empty())
      return std::move(r.reply);
    return then_reply<msg::api_call_reply>(ctx, r, [&r](const std::string&) { return r.reply; });
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
                                 model_changed();
                               });
  }

  struct waiting_agent {
    std::string host;
    caf::typed_response_promise<msg::get_host_ports_reply> promise;
  };

  type_driver_config config_;
  // Starts from the clock, so that an agent's generation from before a
  // restart never matches by chance.
  uint64_t generation_ = static_cast<uint64_t>(runtime::unix_seconds()) << 20;
  uint64_t next_ticket_ = 0;
  std::map<uint64_t, waiting_agent> waiting_agents_;
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
