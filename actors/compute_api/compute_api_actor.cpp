#include "actors/compute_api/compute_api_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/common/record_io.hpp"
#include "actors/common/service_call.hpp"
#include "actors/compute_api/compute_api.hpp"
#include "messages/console.hpp"
#include "messages/context.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::compute;
using record_io::load_atom;

constexpr auto cell_timeout = std::chrono::seconds(30);
constexpr auto action_timeout = std::chrono::minutes(5);

/// One API request on its way: what has been gathered for it so far.
struct pending_call {
  msg::context ctx;
  msg::api_call_request req;
  cell_view cell;
  int waiting = 1; // gathers still out, plus one for the start
  std::optional<msg::error> failed;
  caf::typed_response_promise<msg::api_call_reply> rp;
};

class compute_api_actor : public runtime::role_actor {
public:
  compute_api_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)),
        api_(catalog_, settings_of(this->env())) {
    auto& e = this->env();
    conductor_ = e.setting("conductor", "conductor@" + e.node);
    cell_ = e.setting("compute-conductor", "compute-conductor@" + e.node);
    placement_ = e.setting("placement", "placement@" + e.node);
    image_api_ = e.setting("image-api", "image-api@" + e.node);
    network_server_ = e.setting("network-server", "network-server@" + e.node);
    console_ = e.setting("console", "console@" + e.node);
    novnc_base_url_ = e.setting("novncproxy_base_url", "http://127.0.0.1:6080/vnc_lite.html");
    serial_base_url_ = e.setting("serialproxy_base_url", "ws://127.0.0.1:6083/");
  }

  caf::behavior make_behavior() override {
    return loading();
  }

private:
  static compute_settings settings_of(const runtime::role_env& env) {
    compute_settings s;
    s.default_zone = env.setting("default_availability_zone", "nova");
    s.max_limit = std::stoul(env.setting("max_limit", "1000"));
    return s;
  }

  /// Until the records are loaded, requests wait in the mailbox.
  caf::behavior loading() {
    return record_io::loading(this, [this] { load(); });
  }

  caf::behavior ready() {
    return {
        [this](const msg::context& ctx,
               msg::api_call_request& req) -> caf::result<msg::api_call_reply> {
          auto p = std::make_shared<pending_call>();
          p->ctx = ctx;
          p->req = std::move(req);
          p->rp = make_response_promise<msg::api_call_reply>();
          gather(p);
          return p->rp;
        },
    };
  }

  void load() {
    catalog_ = compute_catalog{}; // a retry starts afresh
    record_io::load_role_table(this, conductor_, "compute", [this](record_change c) { catalog_.apply(c); },
                               [this] {
                                 LOG_INFO(env().role, "serving {} flavors", catalog_.flavors().size());
                                 set_default_handler(caf::print_and_drop);
                                 become(ready());
                               });
  }

  // -- gathering what the operation needs ----------------------------------------------

  void gather(std::shared_ptr<pending_call> p) {
    const auto n = api_.needs(p->ctx, p->req);
    auto cell = env().dir->resolve(cell_);
    const bool needs_cell = n.server || n.project_servers || n.all_servers || n.usage || n.hosts || n.actions;
    if (needs_cell && !cell) {
      p->rp.deliver(runtime::make_error(msg::errc::unavailable, "The compute-conductor is not reachable."));
      return;
    }
    const bool admin = std::ranges::count(p->ctx.caller.roles, std::string{"admin"}) > 0;
    auto fetch_instances = [&](msg::get_instances_request q, bool usage_into_cell) {
      ++p->waiting;
      request(cell, cell_timeout, p->ctx, std::move(q))
          .then(
              [this, p, usage_into_cell](msg::get_instances_reply& reply) {
                if (usage_into_cell) {
                  p->cell.instances_used = reply.count;
                  p->cell.cores_used = reply.vcpus;
                  p->cell.ram_used = reply.memory_mb;
                }
                for (auto& text : reply.instances)
                  if (auto x = json::parse(text, nullptr, false); x.is_object())
                    p->cell.servers.push_back(std::move(x));
                gathered(p);
              },
              [this, p](caf::error& e) {
                p->failed = runtime::to_error(e);
                gathered(p);
              });
    };
    if (n.server) {
      msg::get_instances_request q;
      q.uuids = {*msg::find_value(p->req.path, "server_id")};
      q.include_deleted = n.actions; // a deleted server's actions stay readable (2.21)
      fetch_instances(q, false);
    }
    if (n.project_servers || n.all_servers) {
      msg::get_instances_request q;
      auto all_tenants = msg::find_value(p->req.query, "all_tenants");
      if (!n.all_servers && !(admin && all_tenants))
        q.project_id = p->ctx.caller.project_id;
      auto deleted = msg::find_value(p->req.query, "deleted");
      q.include_deleted = admin && deleted && (*deleted == "true" || *deleted == "True");
      fetch_instances(q, false);
    }
    if (n.usage) {
      msg::get_instances_request q;
      q.project_id = p->ctx.caller.project_id;
      if (auto project = msg::find_value(p->req.path, "project_id"); project && admin)
        q.project_id = *project;
      q.usage_only = true;
      fetch_instances(q, true);
    }
    if (n.hosts) {
      ++p->waiting;
      request(cell, cell_timeout, p->ctx, msg::get_hosts_request{})
          .then(
              [this, p](msg::get_hosts_reply& reply) {
                p->cell.hosts = json::parse(reply.hosts, nullptr, false);
                if (!p->cell.hosts.is_array())
                  p->cell.hosts = json::array();
                gathered(p);
              },
              [this, p](caf::error& e) {
                p->failed = runtime::to_error(e);
                gathered(p);
              });
    }
    if (n.actions) {
      ++p->waiting;
      msg::get_instance_actions_request q{*msg::find_value(p->req.path, "server_id")};
      request(cell, cell_timeout, p->ctx, q)
          .then(
              [this, p](msg::get_instance_actions_reply& reply) {
                p->cell.actions = json::parse(reply.actions, nullptr, false);
                gathered(p);
              },
              [this, p](caf::error& e) {
                p->failed = runtime::to_error(e);
                gathered(p);
              });
    }
    if (!n.image_id.empty()) {
      // Asked with the caller's own context: Glance decides what they may see.
      ++p->waiting;
      msg::api_call_request q;
      q.operation = "image:get_image";
      q.path = {{"image_id", n.image_id}};
      q.base_url = p->req.base_url;
      auto image = env().dir->resolve(image_api_);
      if (!image) {
        p->failed = msg::error{msg::errc::unavailable, "The image service is not reachable."};
        gathered(p);
      } else {
        request(image, cell_timeout, p->ctx, q)
            .then(
                [this, p](msg::api_call_reply& reply) {
                  if (reply.status == 200)
                    p->cell.image = json::parse(reply.body, nullptr, false);
                  gathered(p);
                },
                [this, p](caf::error&) { gathered(p); }); // no such image: the operation says so
      }
    }
    // Asked with the caller's own context: Neutron decides what they see.
    if (n.networks)
      ask_network_server(p, "get_network");
    if (n.networks || n.ports)
      ask_network_server(p, "get_port");
    if (n.security_groups)
      ask_network_server(p, "get_security_group");
    if (n.floating_ips)
      ask_network_server(p, "get_floatingip");
    gathered(p);
  }

  void ask_network_server(std::shared_ptr<pending_call> p, const std::string& op) {
    auto server = env().dir->resolve(network_server_);
    if (!server)
      return; // no networking: the operation sees none
    ++p->waiting;
    msg::api_call_request q;
    q.operation = op;
    q.base_url = p->req.base_url;
    request(server, cell_timeout, p->ctx, q)
        .then(
            [this, p, op](msg::api_call_reply& reply) {
              auto body = json::parse(reply.body, nullptr, false);
              const char* key = op == "get_network"    ? "networks"
                                : op == "get_port"       ? "ports"
                                : op == "get_floatingip" ? "floatingips"
                                                         : "security_groups";
              json& into = op == "get_network"    ? p->cell.networks
                           : op == "get_port"       ? p->cell.ports
                           : op == "get_floatingip" ? p->cell.floating_ips
                                                    : p->cell.security_groups;
              if (reply.status == 200 && body.is_object() && body[key].is_array()) {
                into = body[key];
                if (op == "get_port")
                  p->cell.ports_seen = true;
              }
              gathered(p);
            },
            [this, p](caf::error&) { gathered(p); });
  }

  void gathered(std::shared_ptr<pending_call> p) {
    if (--p->waiting > 0)
      return;
    if (p->failed) {
      p->rp.deliver(runtime::make_error(*p->failed));
      return;
    }
    auto r = api_.handle(p->ctx, p->req, p->cell, runtime::unix_seconds());
    if (r.error) {
      p->rp.deliver(runtime::make_error(*r.error));
      return;
    }
    carry_out(p, std::make_shared<compute_result>(std::move(r)));
  }

  // -- carrying the result out ------------------------------------------------------------

  /// Transitions (the CAS decides whether the request goes on), then the
  /// catalog's records, the builds, the host change, and the reply.
  void carry_out(std::shared_ptr<pending_call> p, std::shared_ptr<compute_result> r) {
    if (!r->transitions.empty()) {
      auto t = std::move(r->transitions.front());
      r->transitions.erase(r->transitions.begin());
      transition(p, t, [this, p, r](std::optional<msg::error> err) {
        if (err) {
          p->rp.deliver(runtime::make_error(*err));
          return;
        }
        carry_out(p, r);
      });
      return;
    }
    write_catalog(p, std::move(r->changes), [this, p, r](std::optional<msg::error> err) {
      if (err) {
        p->rp.deliver(runtime::make_error(*err));
        return;
      }
      after_catalog(p, r);
    });
  }

  void after_catalog(std::shared_ptr<pending_call> p, std::shared_ptr<compute_result> r) {
    auto cell = env().dir->resolve(cell_);
    if (r->build) {
      auto build = std::move(*r->build);
      r->build.reset();
      if (!cell) {
        p->rp.deliver(runtime::make_error(msg::errc::unavailable, "The compute-conductor is not reachable."));
        return;
      }
      request(cell, cell_timeout, p->ctx, std::move(build))
          .then([this, p, r](msg::build_servers_reply&) { after_catalog(p, r); },
                [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
      return;
    }
    if (r->host_update) {
      auto change = std::move(*r->host_update);
      r->host_update.reset();
      if (!cell) {
        p->rp.deliver(runtime::make_error(msg::errc::unavailable, "The compute-conductor is not reachable."));
        return;
      }
      request(cell, cell_timeout, p->ctx, std::move(change))
          .then([this, p, r](msg::update_host_reply&) { after_catalog(p, r); },
                [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
      return;
    }
    if (r->console) {
      auto wanted = std::move(*r->console);
      r->console.reset();
      open_console(p, std::move(wanted));
      return;
    }
    if (r->interface) {
      auto change = std::move(*r->interface);
      r->interface.reset();
      change_interface(p, std::move(change));
      return;
    }
    if (r->network) {
      auto plan = std::make_shared<network_plan>(std::move(*r->network));
      r->network.reset();
      run_network_plan(p, r, plan, 0);
      return;
    }
    p->rp.deliver(std::move(r->reply));
  }

  /// The plan's Networking API calls, one after the other with the
  /// caller's context; the answer is made from the last reply (the first
  /// that failed, if one did), with the headers the operation set.
  void run_network_plan(std::shared_ptr<pending_call> p, std::shared_ptr<compute_result> r,
                        std::shared_ptr<network_plan> plan, std::size_t next) {
    auto finish = [p, r, plan](const msg::api_call_reply& last) {
      auto answer = plan->done(last);
      if (answer.error) {
        p->rp.deliver(runtime::make_error(*answer.error));
        return;
      }
      for (auto& h : r->reply.headers)
        answer.reply.headers.push_back(h);
      p->rp.deliver(std::move(answer.reply));
    };
    if (next >= plan->calls.size()) {
      finish(msg::api_call_reply{200, "", {}});
      return;
    }
    auto server = env().dir->resolve(network_server_);
    if (!server) {
      p->rp.deliver(runtime::make_error(msg::errc::unavailable, "The network service is not reachable."));
      return;
    }
    auto call = plan->calls[next];
    call.base_url = p->req.base_url;
    request(server, cell_timeout, p->ctx, std::move(call))
        .then(
            [this, p, r, plan, next, finish](msg::api_call_reply& reply) {
              if (reply.status >= 300 || next + 1 == plan->calls.size()) {
                finish(reply);
                return;
              }
              run_network_plan(p, r, plan, next + 1);
            },
            [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
  }

  /// The server's compute host; if it is not reachable, the call gets
  /// the conflict Nova answers and there is none.
  std::optional<caf::actor> server_host(const std::shared_ptr<pending_call>& p,
                                        const std::string& host) {
    auto compute = env().dir->resolve("compute@" + host);
    if (!compute) {
      p->rp.deliver(runtime::make_error(msg::errc::conflict,
                                        "The server's host " + host + " is not reachable."));
      return std::nullopt;
    }
    return compute;
  }

  /// A console's URL: where the server's host says it listens, a token
  /// from the console role for it, the proxy's URL with the token.
  void open_console(std::shared_ptr<pending_call> p, console_request wanted) {
    auto compute = server_host(p, wanted.host);
    if (!compute)
      return;
    request(*compute, action_timeout, p->ctx, msg::get_console_request{wanted.uuid})
        .then(
            [this, p, wanted](msg::get_console_reply& where) {
              const auto& endpoint = wanted.protocol == "vnc" ? where.vnc : where.serial;
              const auto colon = endpoint.rfind(':');
              if (colon == std::string::npos) {
                p->rp.deliver(runtime::make_error(msg::errc::invalid,
                                                  "Unavailable console type " + wanted.type + "."));
                return;
              }
              auto console = env().dir->resolve(console_);
              if (!console) {
                p->rp.deliver(runtime::make_error(msg::errc::unavailable,
                                                  "The console service is not reachable."));
                return;
              }
              msg::authorize_console_request q{
                  wanted.uuid, wanted.type, endpoint.substr(0, colon),
                  static_cast<uint16_t>(std::stoul(endpoint.substr(colon + 1)))};
              request(console, action_timeout, p->ctx, std::move(q))
                  .then(
                      [this, p, wanted](msg::authorize_console_reply& granted) {
                        // noVNC takes the token inside its websocket path;
                        // the serial proxy in its own query.
                        const auto url = wanted.type == "novnc"
                                             ? novnc_base_url_ + "?path=%3Ftoken%3D" + granted.token
                                             : serial_base_url_ + "?token=" + granted.token;
                        const json body =
                            wanted.legacy
                                ? json{{"console", {{"type", wanted.type}, {"url", url}}}}
                                : json{{"remote_console", {{"protocol", wanted.protocol},
                                                           {"type", wanted.type},
                                                           {"url", url}}}};
                        p->rp.deliver(msg::api_call_reply{200, body.dump(), {}});
                      },
                      [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
            },
            [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
  }

  /// Attach or detach, done by the server's host; the reply waits for it.
  void change_interface(std::shared_ptr<pending_call> p, interface_change change) {
    auto compute = server_host(p, change.host);
    if (!compute)
      return;
    if (change.attach) {
      request(*compute, action_timeout, p->ctx, std::move(*change.attach))
          .then(
              [p](msg::attach_interface_reply& reply) {
                const json port = json::parse(reply.port, nullptr, false);
                p->rp.deliver(msg::api_call_reply{
                    200, json{{"interfaceAttachment", interface_attachment(port)}}.dump(), {}});
              },
              [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
      return;
    }
    request(*compute, action_timeout, p->ctx, std::move(*change.detach))
        .then([p](msg::detach_interface_reply&) { p->rp.deliver(msg::api_call_reply{202, "", {}}); },
              [p](caf::error& e) mutable { p->rp.deliver(std::move(e)); });
  }

  void write_catalog(std::shared_ptr<pending_call> p, std::vector<record_change> changes,
                     std::function<void(std::optional<msg::error>)> done) {
    record_io::write_role_changes(this, conductor_, p->ctx, "compute", changes,
                                  [this, done](std::optional<msg::error> err) {
                                    if (err) // the catalog is ahead of the database: start again from it
                                      become(loading());
                                    done(std::move(err));
                                  });
  }

  /// The compare-and-swap; if it wins, the compute host is told (not
  /// waited for), or the delete is done here when no host has the instance.
  void transition(std::shared_ptr<pending_call> p, instance_transition t,
                  std::function<void(std::optional<msg::error>)> done) {
    auto cell = env().dir->resolve(cell_);
    if (!cell) {
      done(msg::error{msg::errc::unavailable, "The compute-conductor is not reachable."});
      return;
    }
    request(cell, cell_timeout, p->ctx, t.update)
        .then(
            [this, p, t, done](msg::update_instance_reply& reply) {
              done(std::nullopt);
              if (t.local_delete)
                local_delete(p->ctx, t.update.uuid);
              else if (!t.action.empty())
                dispatch(p->ctx, t, json::parse(reply.instance, nullptr, false));
            },
            [t, done](caf::error& e) {
              auto err = runtime::to_error(e);
              if (err.code == msg::errc::conflict && !t.conflict_message.empty())
                err.message = t.conflict_message;
              done(err);
            });
  }

  void dispatch(const msg::context& ctx, const instance_transition& t, const json& instance) {
    auto compute = env().dir->resolve("compute@" + t.host);
    auto unreachable = [this, ctx, t](const std::string& why) {
      LOG_WARN(env().role, "{} of {}: compute@{} did not do it ({})", t.action, t.update.uuid, t.host, why);
      if (t.action == "delete") {
        local_delete(ctx, t.update.uuid); // Nova's local delete when the host is down
        return;
      }
      msg::update_instance_request undo; // the task did not happen: clear it
      undo.uuid = t.update.uuid;
      const auto changes = json::parse(t.update.changes, nullptr, false);
      undo.expected_task_states = {changes.is_object() ? changes.value("task_state", "") : ""};
      undo.changes = json{{"task_state", nullptr}}.dump();
      if (auto cell = env().dir->resolve(cell_))
        request(cell, cell_timeout, ctx, undo).then([](msg::update_instance_reply&) {}, [](caf::error&) {});
    };
    if (!compute) {
      unreachable("not in the directory");
      return;
    }
    msg::instance_action_request req{t.update.uuid, t.action, instance.dump()};
    request(compute, action_timeout, ctx, req)
        .then([](msg::instance_action_reply&) {},
              [unreachable](caf::error& e) {
                auto err = runtime::to_error(e);
                if (err.code == msg::errc::unavailable || err.code == msg::errc::timeout)
                  unreachable(err.message);
              });
  }

  /// Deletes an instance no compute host holds: marked deleted, its claim
  /// in placement given back.
  void local_delete(const msg::context& ctx, const std::string& uuid) {
    auto cell = env().dir->resolve(cell_);
    if (!cell)
      return;
    const auto now = nova_time(runtime::unix_seconds());
    msg::update_instance_request req;
    req.uuid = uuid;
    req.expected_task_states = {"deleting"};
    req.changes = json{{"vm_state", "deleted"}, {"task_state", nullptr}, {"deleted", true},
                       {"deleted_at", now}, {"terminated_at", now}, {"power_state", 0}}
                      .dump();
    request(cell, cell_timeout, ctx, req).then([](msg::update_instance_reply&) {}, [](caf::error&) {});
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocations:delete", {{"consumer_uuid", uuid}}, {}, nullptr, "placement 1.39"},
        [](api_support::service_answer) {});
  }

  compute_catalog catalog_;
  compute_api api_;
  std::string conductor_, cell_, placement_, image_api_, network_server_;
  std::string console_, novnc_base_url_, serial_base_url_;
};

} // namespace

caf::actor spawn_compute_api(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<compute_api_actor, caf::linked>(env);
}

} // namespace stratus::actors
