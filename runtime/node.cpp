#include "runtime/node.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "messages/type_ids.hpp"
#include "runtime/bridge.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/random_id.hpp"
#include "runtime/transport.hpp"

namespace stratus::runtime {
namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg, const node_config& node) {
  cfg.add_message_types<caf::id_block::stratus>();
  cfg.add_error_category(caf::atom("stratus"),
                         [](uint8_t code, caf::atom_value, const caf::message& context) {
                           auto text = std::string{msg::to_string(static_cast<msg::errc>(code))};
                           if (context.match_elements<std::string>())
                             text += ": " + context.get_as<std::string>(0);
                           return text;
                         });
  cfg.set("scheduler.max-threads", std::max(1, node.workers));
  // The sharing policy wakes an idle worker at once (condition variable);
  // work stealing parks idle workers in timed sleeps, which adds tens of
  // microseconds to every hop of a request that crosses nodes.
  cfg.set("scheduler.policy",
          node.scheduler == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  return cfg;
}

} // namespace

struct node::impl {
  node_config cfg;
  const role_registry& registry;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  directory dir;
  resources shared;
  std::unique_ptr<transport> tp;
  caf::actor bridge;
  caf::actor supervisor;
  std::string incarnation = random_hex(12);
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int exit_code = exit_clean;

  impl(node_config c, const role_registry& r)
    : cfg(std::move(c)), registry(r), dir(cfg.name) {
    sys = std::make_unique<caf::actor_system>(configure(sys_cfg, cfg));
  }

  void finish(int code) {
    std::lock_guard<std::mutex> g{mu};
    if (!stopping) {
      stopping = true;
      exit_code = code;
    }
    cv.notify_all();
  }

  msg::describe_node_reply describe(bool include_actors) {
    msg::describe_node_reply r;
    r.node = cfg.name;
    r.incarnation = incarnation;
    r.pid = ::getpid();
    r.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
    r.roles = dir.local_roles();
    for (auto& p : tp->peers())
      r.peers.push_back({p.node, p.endpoint, p.up, p.silent_ms});
    if (include_actors) {
      for (auto& role : r.roles) {
        auto s = dir.stats_of(role);
        r.actors.push_back({role + "@" + cfg.name, s->running.load(), s->mailbox.load(),
                            s->handled.load(), s->restarts.load(), s->last_error()});
      }
    }
    return r;
  }
};

node::node(node_config cfg, const role_registry& registry)
  : impl_(std::make_unique<impl>(std::move(cfg), registry)) {}

node::~node() {
  stop();
  auto& d = *impl_;
  if (d.tp)
    d.tp->stop();
  d.sys.reset();  // blocks until every actor is gone
}

void node::start() {
  auto& d = *impl_;
  // Resolve role factories first: a typo in the config is a start error.
  std::vector<supervised_role> roles;
  for (auto& name : d.cfg.roles) {
    auto factory = d.registry.find(name);
    if (factory == nullptr)
      throw std::runtime_error("unknown role '" + name + "' in the config of node " + d.cfg.name);
    d.dir.declare_local(name);
    role_env env{d.cfg.name, name, &d.dir, &d.shared, d.dir.stats_of(name),
                 d.cfg.settings[name], d.cfg.state_dir};
    roles.push_back({*factory, std::move(env)});
  }

  transport_options topts{d.cfg.name,      d.cfg.bus,
                          d.cfg.heartbeat, d.cfg.liveness,
                          d.cfg.curve_public_key, d.cfg.curve_secret_key, d.cfg.curve_clients};
  for (auto& p : d.cfg.peers)  // every peer may connect to us
    if (!p.curve_public_key.empty())
      topts.curve_allowed_clients.push_back(p.curve_public_key);
  transport::handlers h;
  h.on_request = [&d](const std::string& route, std::string_view body) {
    bridge_inbound_request(d.bridge, d.dir, route, body);
  };
  h.on_reply = [&d](const std::string& peer, std::string_view body) {
    bridge_inbound_reply(d.bridge, peer, body);
  };
  h.on_peer_state = [&d](const std::string& peer, bool up) {
    bridge_peer_state(d.bridge, peer, up);
  };
  d.tp = std::make_unique<transport>(std::move(topts), std::move(h));

  bridge_deps deps{d.cfg.name, d.cfg.name + "/" + d.incarnation, d.tp.get(), &d.dir,
                   [&d](bool include_actors) { return d.describe(include_actors); }};
  d.bridge = spawn_bridge(*d.sys, std::move(deps));
  d.dir.set_proxy_factory([&d](const std::string& role, const std::string& peer) {
    return spawn_remote_proxy(*d.sys, d.bridge, *d.tp, d.cfg.name, role, peer);
  });

  d.tp->start();
  for (auto& p : d.cfg.peers)
    d.tp->add_peer(p);
  if (!d.cfg.bus.empty())
    LOG_INFO("node", "listening on {}", d.tp->bound_endpoint());

  if (!roles.empty()) {
    d.supervisor = spawn_supervisor(*d.sys, std::move(roles), d.cfg.supervision,
                                    [&d](const std::string&) { d.finish(exit_escalated); });
  }
}

int node::wait() {
  auto& d = *impl_;
  std::unique_lock<std::mutex> g{d.mu};
  d.cv.wait(g, [&d] { return d.stopping; });
  return d.exit_code;
}

void node::stop() {
  auto& d = *impl_;
  d.finish(exit_clean);
  if (d.supervisor)
    caf::anon_send_exit(d.supervisor, caf::exit_reason::user_shutdown);
  for (auto& proxy : d.dir.clear())
    caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
  if (d.bridge)
    caf::anon_send_exit(d.bridge, caf::exit_reason::user_shutdown);
  d.supervisor = nullptr;
  d.bridge = nullptr;
}

bool node::wait_for_peer(const std::string& peer, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!impl_->tp->is_up(peer)) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

caf::actor_system& node::system() {
  return *impl_->sys;
}

directory& node::dir() {
  return impl_->dir;
}

resources& node::shared() {
  return impl_->shared;
}

transport& node::bus() {
  return *impl_->tp;
}

const node_config& node::config() const {
  return impl_->cfg;
}

} // namespace stratus::runtime
