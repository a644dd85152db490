#include "actors/network_agent/network_agent_actor.hpp"

#include <chrono>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/comma_list.hpp"
#include "actors/common/json_fields.hpp"
#include "actors/network_agent/kernel_worker.hpp"
#include "messages/context.hpp"
#include "messages/network.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::network_agent;
using json = nlohmann::json;
using report_atom = caf::atom_constant<caf::atom("agreport")>;
using tick_atom = caf::atom_constant<caf::atom("agtick")>;

constexpr auto server_timeout = std::chrono::seconds(10);
constexpr auto kernel_timeout = std::chrono::seconds(60);
constexpr auto probe_retry = std::chrono::seconds(2);

host_config config_of(const runtime::role_env& e) {
  host_config c;
  c.tunnel_ip = e.setting("tunnel_ip", "");
  c.underlay_device = e.setting("underlay_device", "");
  for (auto& m : api_support::comma_list(e.setting("bridge_mappings", "")))
    if (auto colon = m.find(':'); colon != std::string::npos)
      c.bridge_mappings[m.substr(0, colon)] = m.substr(colon + 1);
  return c;
}

class network_agent_actor : public runtime::role_actor {
public:
  network_agent_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)), config_(config_of(this->env())) {
    const auto& e = this->env();
    server_ = e.setting("network-server", "network-server@" + e.node);
    resync_interval_ =
        std::chrono::milliseconds(std::stoll(e.setting("resync_interval_ms", "1000")));
    report_interval_ = std::chrono::seconds(std::stoll(e.setting("report_interval", "10")));
    started_at_ = runtime::unix_seconds();
  }

  caf::behavior make_behavior() override {
    worker_ = spawn<caf::detached + caf::linked>(kernel_worker, env().setting("host_netns", ""),
                                                 config_, env().node,
                                                 (env().state_dir / "network-agent" / "dhcp").string());
    probe();
    return {
        [this](report_atom) { report(); },
        [this](tick_atom) { resync(); },
        [this](probe_atom) { probe(); },
    };
  }

private:
  /// What the kernel can make, then the first report and the first resync.
  void probe() {
    request(worker_, kernel_timeout, probe_atom::value)
        .then(
            [this](std::vector<std::string>& kinds) {
              device_kinds_ = std::move(kinds);
              LOG_INFO(env().role, "host kernel makes: {}", fmt_list(device_kinds_));
              report();
              send(this, tick_atom::value);
            },
            [this](caf::error& e) {
              LOG_ERROR(env().role, "cannot reach the host's kernel: {}",
                        runtime::to_error(e).message);
              delayed_send(this, probe_retry, probe_atom::value);
            });
  }

  void report() {
    delayed_send(this, report_interval_, report_atom::value);
    auto server = env().dir->resolve(server_);
    if (!server)
      return;
    msg::report_agent_request r;
    r.host = env().node;
    r.tunnel_ip = config_.tunnel_ip;
    for (auto& [physnet, device] : config_.bridge_mappings)
      r.bridge_mappings.push_back(physnet + ":" + device);
    r.device_kinds = device_kinds_;
    r.started_at = started_at_;
    request(server, server_timeout, msg::context{}, r)
        .then([](msg::report_agent_reply&) {},
              [this](caf::error& e) {
                LOG_WARN(env().role, "report not taken: {}", runtime::to_error(e).message);
              });
  }

  /// One pass: bindings from the server → kernel → status changes back.
  void resync() {
    auto server = env().dir->resolve(server_);
    if (!server) {
      delayed_send(this, resync_interval_, tick_atom::value);
      return;
    }
    // A long poll: the server answers at once when something changed since
    // the last pass, else after one resync interval (the pass that repairs
    // drift in the kernel).
    msg::get_host_ports_request r{env().node, generation_,
                                  static_cast<uint32_t>(resync_interval_.count())};
    request(server, server_timeout + resync_interval_, msg::context{}, r)
        .then(
            [this, server](msg::get_host_ports_reply& reply) {
              generation_ = reply.generation;
              apply(server, reply);
            },
            [this](caf::error& e) {
              LOG_WARN(env().role, "bindings not fetched: {}", runtime::to_error(e).message);
              delayed_send(this, resync_interval_, tick_atom::value);
            });
  }

  void apply(const caf::actor& server, const msg::get_host_ports_reply& reply) {
    json bindings = json::parse(reply.bindings, nullptr, false);
    if (!bindings.is_array())
      bindings = json::array();
    json floating_ips = json::object(); // id → status, as the server has it
    const json routers = json::parse(reply.routers, nullptr, false);
    for (auto& router : routers)
      if (router.is_object())
        for (auto& f : router.value("floating_ips", json::array()))
          floating_ips[json_fields::str(f, "id")] = json_fields::str(f, "status");
    request(worker_, kernel_timeout, resync_atom::value, reply.bindings, reply.security_groups,
            reply.routers)
        .then(
            [this, server, bindings, floating_ips](std::string& result) {
              const json r = json::parse(result);
              report_errors(json_fields::strings(r, "errors"));
              for (auto& removed : json_fields::strings(r, "removed"))
                LOG_INFO(env().role, "removed {}: no port needs it", removed);
              report_status(server, bindings, floating_ips, r);
            },
            [this](caf::error& e) {
              LOG_ERROR(env().role, "resync failed: {}", runtime::to_error(e).message);
              delayed_send(this, resync_interval_, tick_atom::value);
            });
  }

  /// Tells the server about ports whose status it has wrong; the next
  /// resync waits for its answer, so reports never pile up.
  /// `floating_ips`: id → status as the server has it; `result`: the
  /// worker's pass.
  void report_status(const caf::actor& server, const json& bindings, const json& floating_ips,
                     const json& result) {
    std::map<std::string, std::string> known;
    for (auto& b : bindings)
      known[json_fields::str(b, "port_id")] = json_fields::str(b, "status");
    for (auto& [id, status] : floating_ips.items())
      known[id] = status.get<std::string>();
    // Only what the server has wrong.
    auto changed = [&known, &result](const char* field, bool active) {
      std::vector<std::string> out;
      for (auto& id : json_fields::strings(result, field))
        if ((known[id] == "ACTIVE") != active)
          out.push_back(id);
      return out;
    };
    msg::update_port_status_request r;
    r.host = env().node;
    r.up = changed("up", true);
    r.down = changed("down", false);
    r.floating_ips_up = changed("floating_ips_up", true);
    r.floating_ips_down = changed("floating_ips_down", false);
    // The next fetch waits at the server (a long poll), so it starts at once.
    if (r.up.empty() && r.down.empty() && r.floating_ips_up.empty() &&
        r.floating_ips_down.empty()) {
      send(this, tick_atom::value);
      return;
    }
    request(server, server_timeout, msg::context{}, r)
        .then([this](msg::update_port_status_reply&) { send(this, tick_atom::value); },
              [this](caf::error& e) {
                LOG_WARN(env().role, "port status not taken: {}", runtime::to_error(e).message);
                delayed_send(this, resync_interval_, tick_atom::value);
              });
  }

  /// Logs errors when they change, not on every pass.
  void report_errors(const std::vector<std::string>& errors) {
    if (errors == last_errors_)
      return;
    for (auto& e : errors)
      LOG_ERROR(env().role, "{}", e);
    last_errors_ = errors;
  }

  static std::string fmt_list(const std::vector<std::string>& items) {
    std::string out;
    for (auto& i : items)
      out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  host_config config_;
  std::string server_;
  std::chrono::milliseconds resync_interval_;
  std::chrono::seconds report_interval_;
  int64_t started_at_ = 0;
  uint64_t generation_ = 0; // of the server's model at the last fetch
  caf::actor worker_;
  std::vector<std::string> device_kinds_;
  std::vector<std::string> last_errors_;
};

} // namespace

caf::actor spawn_network_agent(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<network_agent_actor, caf::linked>(env);
}

} // namespace stratus::actors
