#include "runtime/supervisor.hpp"

#include <deque>
#include <map>

#include <caf/all.hpp>

#include "runtime/directory.hpp"
#include "runtime/log.hpp"

namespace stratus::runtime {
namespace {

using restart_atom = caf::atom_constant<caf::atom("restart")>;
using clock = std::chrono::steady_clock;

struct child {
  supervised_role spec;
  caf::actor handle;
  std::deque<clock::time_point> restarts;  // within the window
};

struct supervisor_state {
  std::map<std::string, child> children;
  supervisor_options opts;
  escalation_handler on_escalate;
  bool gave_up = false;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void start_child(supervisor_actor* self, child& c) {
  auto& env = c.spec.env;
  c.handle = c.spec.factory(self, env);
  env.stats->running = true;
  env.dir->bind_local(env.role, c.handle);
  LOG_INFO(env.role, "role started");
}

/// 100 ms, 200 ms, 400 ms, ... capped.
std::chrono::milliseconds backoff_for(const supervisor_options& opts, std::size_t attempt) {
  auto d = opts.backoff_initial;
  for (std::size_t i = 1; i < attempt && d < opts.backoff_max; ++i)
    d *= 2;
  return std::min(d, opts.backoff_max);
}

void on_child_exit(supervisor_actor* self, child& c, const caf::error& reason) {
  auto& env = c.spec.env;
  env.stats->running = false;
  env.dir->unbind_local(env.role);
  c.handle = nullptr;
  const std::string why = self->system().render(reason);
  env.stats->set_last_error(why);
  const auto now = clock::now();
  c.restarts.push_back(now);
  while (!c.restarts.empty() && now - c.restarts.front() > self->state.opts.window)
    c.restarts.pop_front();
  if (static_cast<int>(c.restarts.size()) > self->state.opts.max_restarts) {
    const std::string text = "role " + env.role + " failed " + std::to_string(c.restarts.size()) +
                             " times within " +
                             std::to_string(self->state.opts.window.count() / 1000) +
                             " s (last error: " + why + "); giving up";
    LOG_CRITICAL(env.role, "{}", text);
    self->state.gave_up = true;
    if (self->state.on_escalate)
      self->state.on_escalate(text);
    self->quit(caf::exit_reason::unhandled_exception);
    return;
  }
  auto delay = backoff_for(self->state.opts, c.restarts.size());
  env.stats->restarts++;
  LOG_WARN(env.role, "role died ({}); restart {} in {} ms", why, c.restarts.size(), delay.count());
  self->delayed_send(self, delay, restart_atom::value, env.role);
}

caf::behavior supervisor(supervisor_actor* self, std::vector<supervised_role> roles,
                         supervisor_options opts, escalation_handler on_escalate) {
  self->state.opts = opts;
  self->state.on_escalate = std::move(on_escalate);
  for (auto& r : roles) {
    auto name = r.env.role;
    auto& c = self->state.children[name];
    c.spec = std::move(r);
    start_child(self, c);
  }
  self->set_exit_handler([self](caf::exit_msg& em) {
    for (auto& [name, c] : self->state.children) {
      if (c.handle && em.source == c.handle.address()) {
        if (!self->state.gave_up)
          on_child_exit(self, c, em.reason);
        return;
      }
    }
    self->quit(em.reason);  // our own shutdown: linked children follow
  });
  return {
    [self](restart_atom, const std::string& role) {
      auto i = self->state.children.find(role);
      if (i != self->state.children.end() && !i->second.handle && !self->state.gave_up)
        start_child(self, i->second);
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, std::vector<supervised_role> roles,
                            supervisor_options opts, escalation_handler on_escalate) {
  return sys.spawn(supervisor, std::move(roles), opts, std::move(on_escalate));
}

} // namespace stratus::runtime
