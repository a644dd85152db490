#include "actors/compute_conductor/compute_conductor_actor.hpp"

#include <chrono>
#include <map>

#include <caf/all.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/common/record_io.hpp"
#include "actors/common/service_call.hpp"
#include "actors/compute_conductor/instance_book.hpp"
#include "messages/compute.hpp"
#include "messages/context.hpp"
#include "runtime/call.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::compute;
using record_io::load_atom;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

constexpr auto schedule_timeout = std::chrono::seconds(60);
constexpr auto sweep_interval = std::chrono::seconds(5);
const std::vector<std::string> build_task_states{"scheduling", "block_device_mapping",
                                                 "networking", "spawning"};

class compute_conductor_actor : public runtime::role_actor {
public:
  compute_conductor_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)) {
    auto& e = this->env();
    conductor_ = e.setting("conductor", "conductor@" + e.node);
    scheduler_ = e.setting("scheduler", "scheduler@" + e.node);
    placement_ = e.setting("placement", "placement@" + e.node);
    max_attempts_ = std::max(1, std::stoi(e.setting("max_attempts", "3")));
    service_down_time_ = std::stoll(e.setting("service_down_time", "60"));
    build_timeout_ = std::chrono::seconds(std::stoll(e.setting("build_timeout", "300")));
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
               msg::build_servers_request& req) -> caf::result<msg::build_servers_reply> {
          return build_servers(ctx, req);
        },
        [this](const msg::context& ctx, const msg::update_instance_request& req)
            -> caf::result<msg::update_instance_reply> {
          auto rp = make_response_promise<msg::update_instance_reply>();
          update(ctx, req, [rp](std::optional<msg::error> err, const json* record) mutable {
            if (err)
              rp.deliver(runtime::make_error(*err));
            else
              rp.deliver(msg::update_instance_reply{record->dump()});
          });
          return rp;
        },
        [this](const msg::context&, const msg::get_instances_request& req) {
          return get_instances(req);
        },
        [this](const msg::context&, const msg::get_instance_actions_request& req) {
          json out = json::array();
          for (auto* a : book_.actions(req.uuid))
            out.push_back(*a);
          return msg::get_instance_actions_reply{out.dump()};
        },
        [this](const msg::context&, const msg::get_hosts_request&) {
          return msg::get_hosts_reply{hosts_json().dump()};
        },
        [this](const msg::context& ctx,
               const msg::update_host_request& req) -> caf::result<msg::update_host_reply> {
          if (!book_.host(req.host))
            return runtime::make_error(msg::errc::not_found, "Host '" + req.host + "' could not be found.");
          auto changes = json::parse(req.changes, nullptr, false);
          if (!changes.is_object())
            return runtime::make_error(msg::errc::invalid, "host changes must be a JSON object");
          auto r = book_.update_host(req.host, changes, runtime::unix_seconds());
          auto rp = make_response_promise<msg::update_host_reply>();
          write(ctx, std::move(r.changes), [this, rp, host = req.host](std::optional<msg::error> err) mutable {
            if (err)
              rp.deliver(runtime::make_error(*err));
            else
              rp.deliver(msg::update_host_reply{host_json(host).dump()});
          });
          return rp;
        },
        [this](const msg::context& ctx, const msg::report_host_request& req)
            -> caf::result<msg::report_host_reply> {
          return report_host(ctx, req);
        },
        [this](sweep_atom) { sweep_stuck_builds(); },
    };
  }

  // -- records --------------------------------------------------------------------

  void load() {
    book_ = instance_book{}; // a retry starts afresh
    record_io::load_role_table(this, conductor_, "compute", [this](record_change c) { book_.apply(c); },
                               [this] {
                                 LOG_INFO(env().role, "serving {} instances on {} hosts",
                                          book_.instances().size(), book_.hosts().size());
                                 set_default_handler(caf::print_and_drop);
                                 become(ready());
                                 start_serving();
                               });
  }

  /// After a (re)start: builds in flight get their whole time again, hosts
  /// count as up until their heartbeats say otherwise, builds still waiting
  /// for a host are scheduled again.
  void start_serving() {
    const auto now = runtime::unix_seconds();
    for (auto& [uuid, x] : book_.instances())
      last_change_[uuid] = now;
    // Nova reads the last report from its database; service_down_time tells.
    for (auto& [name, h] : book_.hosts())
      last_seen_[name] = now;
    resume_interrupted_builds();
    delayed_send(this, sweep_interval, sweep_atom::value);
  }

  /// Writes changes through the conductor. A failed write leaves the book
  /// ahead of the database: it is reloaded from what was written.
  void write(const msg::context& ctx, std::vector<record_change> changes,
             std::function<void(std::optional<msg::error>)> done) {
    record_io::write_role_changes(this, conductor_, ctx, "compute", changes,
                                  [this, done](std::optional<msg::error> err) {
                                    if (err) {
                                      LOG_ERROR(env().role, "writing compute records failed ({}); reloading",
                                                err->message);
                                      become(loading());
                                    }
                                    done(std::move(err));
                                  });
  }

  void update(const msg::context& ctx, const msg::update_instance_request& req,
              std::function<void(std::optional<msg::error>, const json*)> done) {
    auto r = book_.update(req, ctx, runtime::unix_seconds());
    if (r.error) {
      done(r.error, nullptr);
      return;
    }
    last_change_[req.uuid] = runtime::unix_seconds();
    write(ctx, std::move(r.changes), [this, uuid = req.uuid, done](std::optional<msg::error> err) {
      done(err, err ? nullptr : book_.instance(uuid));
    });
  }

  /// A transition the workflow makes; `then` runs if it won the CAS.
  void transition(const msg::context& ctx, const std::string& uuid,
                  std::vector<std::string> expected_tasks, json changes, std::string event,
                  std::string result, std::function<void(bool won)> then) {
    msg::update_instance_request req;
    req.uuid = uuid;
    req.expected_task_states = std::move(expected_tasks);
    req.changes = changes.dump();
    req.event = std::move(event);
    req.event_result = std::move(result);
    update(ctx, req, [then](std::optional<msg::error> err, const json*) { then(!err); });
  }

  msg::get_instances_reply get_instances(const msg::get_instances_request& req) const {
    msg::get_instances_reply out;
    auto wanted = [&](const json& x) {
      if (!req.include_deleted && x.value("deleted", false))
        return false;
      if (!req.project_id.empty() && json_fields::str(x, "project_id") != req.project_id)
        return false;
      return req.host.empty() || json_fields::str(x, "host") == req.host;
    };
    auto take = [&](const json& x) {
      if (!wanted(x))
        return;
      if (!x.value("deleted", false)) {
        const json flavor = x.value("flavor", json::object());
        out.count += 1;
        out.vcpus += json_fields::count(flavor, "vcpus");
        out.memory_mb += json_fields::count(flavor, "ram");
      }
      if (!req.usage_only)
        out.instances.push_back(x.dump());
    };
    if (!req.uuids.empty()) {
      for (auto& uuid : req.uuids)
        if (auto x = book_.instance(uuid))
          take(*x);
      return out;
    }
    for (auto& [uuid, x] : book_.instances())
      take(x);
    return out;
  }

  // -- hosts ------------------------------------------------------------------------

  json host_json(const std::string& name) const {
    json h = *book_.host(name);
    auto seen = last_seen_.find(name);
    const bool recent = seen != last_seen_.end() &&
                        runtime::unix_seconds() - seen->second <= service_down_time_;
    h["up"] = recent && !h.value("forced_down", false);
    if (seen != last_seen_.end())
      h["last_seen_up"] = iso_time(seen->second);
    return h;
  }

  json hosts_json() const {
    json out = json::array();
    for (auto& [name, h] : book_.hosts())
      out.push_back(host_json(name));
    return out;
  }

  caf::result<msg::report_host_reply> report_host(const msg::context& ctx,
                                                  const msg::report_host_request& req) {
    last_seen_[req.host] = runtime::unix_seconds();
    auto report = json::parse(req.report, nullptr, false);
    if (!report.is_object())
      return runtime::make_error(msg::errc::invalid, "a host report must be a JSON object");
    const json* known = book_.host(req.host);
    // Heartbeats change nothing durable; a new host or new facts do.
    if (known && known->value("hypervisor", json()) == report.value("hypervisor", json()) &&
        known->value("provider_uuid", json()) == report.value("provider_uuid", json()))
      return msg::report_host_reply{known->value("status", "") == "disabled"};
    json changes{{"hypervisor", report.value("hypervisor", json::object())},
                 {"provider_uuid", report.value("provider_uuid", json())}};
    if (!known && report.contains("zone"))
      changes["zone"] = report["zone"];
    auto r = book_.update_host(req.host, changes, runtime::unix_seconds());
    auto rp = make_response_promise<msg::report_host_reply>();
    write(ctx, std::move(r.changes), [this, rp, host = req.host](std::optional<msg::error> err) mutable {
      if (err)
        rp.deliver(runtime::make_error(*err));
      else
        rp.deliver(msg::report_host_reply{book_.host(host)->value("status", "") == "disabled"});
    });
    return rp;
  }

  // -- the build workflow --------------------------------------------------------------

  caf::result<msg::build_servers_reply> build_servers(const msg::context& ctx,
                                                      msg::build_servers_request& req) {
    std::vector<json> records;
    std::vector<std::string> uuids;
    for (auto& text : req.instances) {
      auto x = json::parse(text, nullptr, false);
      if (!x.is_object() || !x.contains("uuid") || !x["uuid"].is_string())
        return runtime::make_error(msg::errc::invalid, "an instance record must carry its uuid");
      if (book_.instance(x["uuid"]))
        return runtime::make_error(msg::errc::conflict, "Instance " + x["uuid"].get<std::string>() +
                                                           " already exists.");
      uuids.push_back(x["uuid"]);
      records.push_back(std::move(x));
    }
    auto spec = json::parse(req.request_spec, nullptr, false);
    if (!spec.is_object())
      return runtime::make_error(msg::errc::invalid, "the request spec must be a JSON object");
    auto r = book_.create(std::move(records), ctx, runtime::unix_seconds());
    for (auto& uuid : uuids)
      last_change_[uuid] = runtime::unix_seconds();
    auto rp = make_response_promise<msg::build_servers_reply>();
    const auto count = static_cast<uint32_t>(uuids.size());
    write(ctx, std::move(r.changes),
          [this, rp, ctx, spec = std::move(spec), uuids, count](std::optional<msg::error> err) mutable {
            if (err) {
              rp.deliver(runtime::make_error(*err));
              return;
            }
            rp.deliver(msg::build_servers_reply{count});
            schedule(ctx, std::move(spec), std::move(uuids));
          });
    return rp;
  }

  /// Builds that a restart cut short: still scheduling with no host, they
  /// are scheduled again; placed on a host, they end in ERROR unless the
  /// host finishes them (its own updates still arrive).
  void resume_interrupted_builds() {
    std::map<std::string, std::pair<json, std::vector<std::string>>> by_spec;
    for (auto& [uuid, x] : book_.instances())
      if (!x.value("deleted", false) && json_fields::str(x, "vm_state") == "building" &&
          json_fields::str(x, "task_state") == "scheduling" && json_fields::str(x, "host").empty()) {
        auto spec = x.value("request_spec", json::object());
        auto& entry = by_spec[spec.dump()];
        entry.first = spec;
        entry.second.push_back(uuid);
      }
    for (auto& [key, entry] : by_spec) {
      LOG_INFO(env().role, "scheduling {} interrupted builds again", entry.second.size());
      // A claim the scheduler made before the stop would refuse the new one.
      auto left = std::make_shared<std::size_t>(entry.second.size());
      for (auto& uuid : entry.second)
        release(uuid, [this, left, spec = entry.first, uuids = entry.second] {
          if (--*left == 0)
            schedule(msg::context{}, spec, uuids);
        });
    }
  }

  void schedule(const msg::context& ctx, json spec, std::vector<std::string> uuids) {
    auto scheduler = env().dir->resolve(scheduler_);
    if (!scheduler) {
      for (auto& uuid : uuids)
        fail_build(ctx, uuid, "No valid host was found. The scheduler is not reachable.", "");
      return;
    }
    add_group_hosts(spec);
    msg::select_destinations_request req;
    req.request_spec = spec.dump();
    req.instance_uuids = uuids;
    const json* first = book_.instance(uuids.front());
    req.project_id = first ? json_fields::str(*first, "project_id") : "";
    req.user_id = first ? json_fields::str(*first, "user_id") : "";
    req.alternates = static_cast<uint32_t>(max_attempts_ - 1);
    request(scheduler, schedule_timeout, ctx, req)
        .then(
            [this, ctx, uuids](msg::select_destinations_reply& reply) {
              std::map<std::string, std::vector<msg::host_selection>> per_instance;
              for (auto& s : reply.selections)
                per_instance[s.instance_uuid].push_back(s);
              for (auto& uuid : uuids)
                attempt(ctx, uuid, per_instance[uuid], 0, "");
            },
            [this, ctx, uuids](caf::error& e) {
              auto err = runtime::to_error(e);
              for (auto& uuid : uuids)
                fail_build(ctx, uuid, err.message, "");
            });
  }

  /// Server groups: the scheduler needs the hosts the group's members use.
  void add_group_hosts(json& spec) const {
    auto g = spec.find("group");
    if (g == spec.end() || !g->is_object())
      return;
    json hosts = json::array();
    for (auto& member : (*g).value("members", json::array()))
      if (member.is_string())
        if (auto x = book_.instance(member); x && !x->value("deleted", false))
          if (auto h = json_fields::str(*x, "host"); !h.empty())
            hosts.push_back(h);
    (*g)["hosts"] = hosts;
  }

  void attempt(const msg::context& ctx, const std::string& uuid,
               std::vector<msg::host_selection> hosts, std::size_t index, std::string last_error) {
    if (index >= hosts.size()) {
      if (index == 0)
        fail_build(ctx, uuid, "No valid host was found. ", "");
      else
        fail_build(ctx, uuid,
                   "Exceeded maximum number of retries. Exhausted all hosts available for "
                   "retrying build failures for instance " + uuid + ".",
                   last_error);
      return;
    }
    const auto sel = hosts[index];
    auto place = [this, ctx, uuid, hosts, index, sel]() {
      json changes{{"host", sel.host}, {"node", sel.host}, {"launched_on", sel.host},
                   {"provider_uuid", sel.provider_uuid}};
      transition(ctx, uuid, {"scheduling"}, changes, "conductor_schedule_and_build_instances",
                 "Success", [this, ctx, uuid, hosts, index, sel](bool won) {
                   if (!won) { // deleted meanwhile: give the claim back
                     release(uuid);
                     return;
                   }
                   send_build(ctx, uuid, hosts, index, sel);
                 });
    };
    if (index == 0) {
      place(); // the scheduler claimed the first host
      return;
    }
    // An alternate: claim it now.
    claim(uuid, sel, [this, ctx, uuid, hosts, index, place](bool claimed, std::string why) {
      if (claimed)
        place();
      else
        attempt(ctx, uuid, hosts, index + 1, why);
    });
  }

  void send_build(const msg::context& ctx, const std::string& uuid,
                  std::vector<msg::host_selection> hosts, std::size_t index,
                  msg::host_selection sel) {
    auto compute = env().dir->resolve("compute@" + sel.host);
    const json* x = book_.instance(uuid);
    if (!compute || !x) {
      retry_elsewhere(ctx, uuid, hosts, index, "compute@" + sel.host + " is not reachable");
      return;
    }
    request(compute, build_timeout_, ctx, msg::build_instance_request{x->dump()})
        .then([](msg::build_instance_reply&) { /* the compute node wrote ACTIVE */ },
              [this, ctx, uuid, hosts, index, sel](caf::error& e) {
                auto err = runtime::to_error(e);
                LOG_WARN(env().role, "build of {} on {} failed: {}", uuid, sel.host, err.message);
                retry_elsewhere(ctx, uuid, hosts, index, err.message);
              });
  }

  /// Gives back the failed host's claim and tries the next alternate, as
  /// Nova's conductor reschedules.
  void retry_elsewhere(const msg::context& ctx, const std::string& uuid,
                       std::vector<msg::host_selection> hosts, std::size_t index,
                       std::string why) {
    release(uuid, [this, ctx, uuid, hosts, index, why]() {
      json changes{{"host", nullptr}, {"node", nullptr}, {"task_state", "scheduling"},
                   {"provider_uuid", nullptr}};
      transition(ctx, uuid, build_task_states, changes, "", "",
                 [this, ctx, uuid, hosts, index, why](bool won) {
                   if (won)
                     attempt(ctx, uuid, hosts, index + 1, why);
                 });
    });
  }

  void fail_build(const msg::context& ctx, const std::string& uuid, const std::string& message,
                  const std::string& details) {
    json fault{{"code", 500},
               {"message", message},
               {"details", details},
               {"created", iso_time(runtime::unix_seconds())}};
    json changes{{"vm_state", "error"}, {"task_state", nullptr}, {"fault", fault}};
    transition(ctx, uuid, build_task_states, changes, "conductor_schedule_and_build_instances",
               "Error", [this, uuid](bool) { release(uuid); });
  }

  /// Builds that stopped moving (their compute host died with them, or its
  /// answer was lost) end in ERROR after build_timeout, as Nova's
  /// instance_build_timeout makes them: nothing stays in BUILD for ever.
  void sweep_stuck_builds() {
    delayed_send(this, sweep_interval, sweep_atom::value);
    const auto now = runtime::unix_seconds();
    std::vector<std::string> stuck;
    for (auto& [uuid, x] : book_.instances())
      if (!x.value("deleted", false) && json_fields::str(x, "vm_state") == "building" &&
          now - last_change_[uuid] > build_timeout_.count())
        stuck.push_back(uuid);
    for (auto& uuid : stuck) {
      LOG_WARN(env().role, "build of {} timed out", uuid);
      last_change_[uuid] = now;
      fail_build(msg::context{}, uuid,
                 "Build of instance " + uuid + " aborted: it did not finish within " +
                     std::to_string(build_timeout_.count()) + " seconds.",
                 "");
    }
  }

  // -- placement ------------------------------------------------------------------------

  void claim(const std::string& uuid, const msg::host_selection& sel,
             std::function<void(bool, std::string)> done) {
    const json* x = book_.instance(uuid);
    json body{{"allocations", json::parse(sel.allocation, nullptr, false)},
              {"project_id", x ? json_fields::str(*x, "project_id") : ""},
              {"user_id", x ? json_fields::str(*x, "user_id") : ""},
              {"consumer_generation", nullptr}};
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocations:update", {{"consumer_uuid", uuid}}, {}, body, "placement 1.39"},
        [done](api_support::service_answer a) { done(a.ok(), a.error_text()); });
  }

  void release(const std::string& uuid, std::function<void()> then = [] {}) {
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocations:delete", {{"consumer_uuid", uuid}}, {}, nullptr, "placement 1.39"},
        [this, uuid, then](api_support::service_answer a) {
          if (!a.ok() && a.status != 404)
            LOG_WARN(env().role, "releasing the allocation of {} failed: {}", uuid, a.error_text());
          then();
        });
  }

  instance_book book_;
  std::map<std::string, int64_t> last_seen_;   // host → last report (Unix seconds)
  std::map<std::string, int64_t> last_change_; // instance → its last transition here
  std::string conductor_, scheduler_, placement_;
  int max_attempts_ = 3;
  int64_t service_down_time_ = 60;
  std::chrono::seconds build_timeout_{300};
};

} // namespace

caf::actor spawn_compute_conductor(caf::event_based_actor* supervisor,
                                   const runtime::role_env& env) {
  return supervisor->spawn<compute_conductor_actor, caf::linked>(env);
}

} // namespace stratus::actors
