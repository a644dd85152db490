#include "actors/compute_conductor/instance_book.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "actors/common/json_fields.hpp"
#include "messages/compute.hpp"
#include "messages/context.hpp"
#include "runtime/random_id.hpp"

namespace stratus::compute {
namespace {

using json_fields::str;

std::string state_text(const json& record, const char* key) {
  auto it = record.find(key);
  return it == record.end() || !it->is_string() ? std::string{} : it->get<std::string>();
}

std::string shown(const std::vector<std::string>& states) {
  std::string out = "[";
  for (auto& s : states)
    out += (out.size() > 1 ? ", " : "") + (s.empty() ? std::string{"None"} : "'" + s + "'");
  return out + "]";
}

std::string action_key(const std::string& uuid, std::size_t index) {
  char seq[16];
  std::snprintf(seq, sizeof seq, "%06zu", index);
  return uuid + "/" + seq;
}

} // namespace

std::string iso_time(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const json* instance_book::instance(const std::string& uuid) const {
  auto it = instances_.find(uuid);
  return it == instances_.end() ? nullptr : &it->second;
}

std::vector<const json*> instance_book::actions(const std::string& uuid) const {
  std::vector<const json*> out;
  if (auto it = actions_.find(uuid); it != actions_.end())
    for (auto& a : it->second)
      out.push_back(&a);
  return out;
}

const json* instance_book::host(const std::string& name) const {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : &it->second;
}

record_change instance_book::put_instance(json record) {
  const std::string uuid = record["uuid"];
  instances_[uuid] = record;
  return {"instance", uuid, std::move(record)};
}

record_change instance_book::put_action(const std::string& uuid, std::size_t index) {
  return {"action", action_key(uuid, index), actions_[uuid][index]};
}

json& instance_book::start_action(const std::string& uuid, const std::string& action,
                                  const msg::context& ctx, int64_t now) {
  auto& list = actions_[uuid];
  list.push_back({{"action", action},
                  {"instance_uuid", uuid},
                  {"request_id", ctx.request_id},
                  {"user_id", ctx.caller.user_id},
                  {"project_id", ctx.caller.project_id},
                  {"start_time", iso_time(now)},
                  {"updated_at", iso_time(now)},
                  {"message", nullptr},
                  {"events", json::array()}});
  return list.back();
}

void instance_book::record_event(const std::string& uuid, const std::string& event,
                                 const std::string& result, int64_t now,
                                 std::vector<record_change>& changes) {
  auto it = actions_.find(uuid);
  if (it == actions_.end() || it->second.empty())
    return;
  auto& action = it->second.back();
  auto& events = action["events"];
  json* open = nullptr;
  for (auto& e : events)
    if (e["event"] == event && e["finish_time"].is_null())
      open = &e;
  if (!open) {
    events.push_back({{"event", event},
                      {"start_time", iso_time(now)},
                      {"finish_time", nullptr},
                      {"result", nullptr},
                      {"traceback", nullptr}});
    open = &events.back();
  }
  if (!result.empty()) {
    (*open)["finish_time"] = iso_time(now);
    (*open)["result"] = result;
    if (result == "Error")
      action["message"] = "Error";
  }
  action["updated_at"] = iso_time(now);
  changes.push_back(put_action(uuid, it->second.size() - 1));
}

book_result instance_book::create(std::vector<json> instances, const msg::context& ctx,
                                  int64_t now) {
  book_result r;
  for (auto& record : instances) {
    record["id"] = ++last_id_;
    char name[32];
    std::snprintf(name, sizeof name, "instance-%08llx", static_cast<unsigned long long>(last_id_));
    record["instance_name"] = name;
    record["vm_state"] = "building";
    record["task_state"] = "scheduling";
    record["power_state"] = 0;
    record["created_at"] = record["updated_at"] = iso_time(now);
    const std::string uuid = record["uuid"];
    r.changes.push_back(put_instance(std::move(record)));
    start_action(uuid, "create", ctx, now);
    r.changes.push_back(put_action(uuid, actions_[uuid].size() - 1));
  }
  return r;
}

book_result instance_book::update(const msg::update_instance_request& req,
                                  const msg::context& ctx, int64_t now) {
  book_result r;
  auto it = instances_.find(req.uuid);
  if (it == instances_.end() || it->second.value("deleted", false)) {
    r.error = msg::error{msg::errc::not_found, "Instance " + req.uuid + " could not be found."};
    return r;
  }
  const auto task = state_text(it->second, "task_state");
  const auto vm = state_text(it->second, "vm_state");
  const auto& tasks = req.expected_task_states;
  const auto& vms = req.expected_vm_states;
  if (!tasks.empty() && std::find(tasks.begin(), tasks.end(), task) == tasks.end()) {
    r.error = msg::error{msg::errc::conflict,
                         "Conflict updating instance " + req.uuid + ". Expected: {'task_state': " +
                             shown(tasks) + "}. Actual: {'task_state': " +
                             (task.empty() ? "None" : "'" + task + "'") + "}"};
    return r;
  }
  if (!vms.empty() && std::find(vms.begin(), vms.end(), vm) == vms.end()) {
    r.error = msg::error{msg::errc::conflict, "Cannot act on instance " + req.uuid +
                                                  " while it is in vm_state " + vm};
    return r;
  }
  json changes = json::object();
  if (!req.changes.empty()) {
    changes = json::parse(req.changes, nullptr, false);
    if (!changes.is_object()) {
      r.error = msg::error{msg::errc::invalid, "instance changes must be a JSON object"};
      return r;
    }
  }
  json record = it->second;
  for (auto& [k, v] : changes.items())
    record[k] = v;
  record["updated_at"] = iso_time(now);
  r.changes.push_back(put_instance(std::move(record)));
  if (!req.action.empty()) {
    start_action(req.uuid, req.action, ctx, now);
    r.changes.push_back(put_action(req.uuid, actions_[req.uuid].size() - 1));
  }
  if (!req.event.empty())
    record_event(req.uuid, req.event, req.event_result, now, r.changes);
  r.instance = &instances_[req.uuid];
  return r;
}

book_result instance_book::update_host(const std::string& name, const json& changes, int64_t now) {
  book_result r;
  auto it = hosts_.find(name);
  json record;
  if (it == hosts_.end()) {
    record = {{"host", name},
              {"id", ++last_host_id_},
              {"uuid", runtime::new_uuid()},
              {"binary", "nova-compute"},
              {"zone", "nova"},
              {"status", "enabled"},
              {"disabled_reason", nullptr},
              {"forced_down", false},
              {"created_at", iso_time(now)}};
  } else {
    record = it->second;
  }
  for (auto& [k, v] : changes.items())
    record[k] = v;
  record["updated_at"] = iso_time(now);
  hosts_[name] = record;
  r.changes.push_back({"host", name, std::move(record)});
  r.instance = &hosts_[name];
  return r;
}

record_change instance_book::apply(const record_change& c) {
  if (c.kind == "instance") {
    std::optional<json> before;
    if (auto it = instances_.find(c.id); it != instances_.end())
      before = it->second;
    if (c.value) {
      instances_[c.id] = *c.value;
      last_id_ = std::max<int64_t>(last_id_, c.value->value("id", int64_t{0}));
    } else {
      instances_.erase(c.id);
    }
    return {c.kind, c.id, before};
  }
  if (c.kind == "action") {
    // "<uuid>/<seq>": loaded in key order, so appending keeps the order.
    const auto slash = c.id.find('/');
    if (slash != std::string::npos && c.value) {
      auto& list = actions_[c.id.substr(0, slash)];
      const auto index = static_cast<std::size_t>(std::stoul(c.id.substr(slash + 1)));
      if (index >= list.size())
        list.resize(index + 1);
      list[index] = *c.value;
    }
    return {c.kind, c.id, std::nullopt};
  }
  if (c.kind == "host") {
    std::optional<json> before;
    if (auto it = hosts_.find(c.id); it != hosts_.end())
      before = it->second;
    if (c.value) {
      hosts_[c.id] = *c.value;
      last_host_id_ = std::max<int64_t>(last_host_id_, c.value->value("id", int64_t{0}));
    } else {
      hosts_.erase(c.id);
    }
    return {c.kind, c.id, before};
  }
  return {c.kind, c.id, std::nullopt};
}

} // namespace stratus::compute
