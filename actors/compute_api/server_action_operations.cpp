// POST /servers/{server_id}/action: reboot, os-stop, os-start, pause,
// unpause, suspend, resume, lock, unlock, forceDelete (and add/remove
// SecurityGroup, which change the server's ports: security_group_operations.cpp). Each is a
// compare-and-swap of the task state (409 when the server is not in a
// state the action starts from), then the compute host does it.
// https://docs.openstack.org/api-ref/compute/#servers-run-an-action-servers-action

#include "actors/compute/server_actions.hpp"
#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// The body's action key → the server action (reboot depends on its type).
std::string action_name(const std::string& key, const json& value) {
  if (key == "reboot") {
    const auto type = str(value, "type");
    return type == "HARD" ? "reboot_hard" : type == "SOFT" ? "reboot_soft" : "";
  }
  if (key == "os-stop")
    return "stop";
  if (key == "os-start")
    return "start";
  if (key == "pause" || key == "unpause" || key == "suspend" || key == "resume")
    return key;
  if (key == "forceDelete")
    return "delete";
  return {};
}

} // namespace

void compute_api::add_server_action_operations() {
  add("os_compute_api:servers:action", [](compute_call& c) -> compute_result {
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const json& body = c.call.body;
    if (!body.is_object() || body.size() != 1)
      return api_error(msg::errc::invalid, "Malformed request body");
    const std::string key = body.begin().key();
    const json& value = body.begin().value();
    if (key == "addSecurityGroup" || key == "removeSecurityGroup")
      return security_group_action(c, *x, key, value);
    if (key == "os-getVNCConsole" || key == "os-getSerialConsole")
      return legacy_console_action(c, *x, key, value);
    const std::string uuid = str(*x, "uuid");
    const std::string vm = str(*x, "vm_state"), task = str(*x, "task_state");
    const bool locked = x->value("locked", false);

    if (key == "lock" || key == "unlock") {
      if (key == "unlock" && locked && str(*x, "locked_by") == "admin" && !c.admin())
        return api_error(msg::errc::forbidden, "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
      json changes{{"locked", key == "lock"},
                   {"locked_by", key == "lock" ? json(c.admin() ? "admin" : "owner") : json()},
                   {"locked_reason", key == "lock" && c.at_least(73) && value.is_object()
                                         ? value.value("locked_reason", json())
                                         : json()}};
      compute_result r = accepted();
      instance_transition t;
      t.update.uuid = uuid;
      t.update.changes = changes.dump();
      t.update.action = key;
      r.transitions.push_back(std::move(t));
      return r;
    }

    const std::string name = action_name(key, value);
    if (key == "reboot" && name.empty())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute type. Value: " +
                                               value.value("type", json()).dump());
    const server_action* action = find_server_action(name);
    if (!action)
      return api_error(msg::errc::invalid, "There is no such action: " + key);
    if (locked && !c.admin())
      return api_error(msg::errc::conflict, "Instance " + uuid + " is locked");
    const std::string instance_action = key == "forceDelete" ? "delete" : action->instance_action;
    auto state_error = [&](const std::string& what, const std::string& state) {
      return api_error(msg::errc::conflict, "Cannot '" + key + "' instance " + uuid + " while it is in " +
                                                what + " " + state);
    };
    if (!action->from_vm.empty() &&
        std::find(action->from_vm.begin(), action->from_vm.end(), vm) == action->from_vm.end())
      return state_error("vm_state", vm);
    // A hard reboot may interrupt a soft one, as in Nova.
    std::vector<std::string> expected{""};
    if (name == "reboot_hard")
      expected = {"", "rebooting", "reboot_pending", "reboot_started"};
    if (name == "delete")
      expected.clear();
    if (std::find(expected.begin(), expected.end(), task) == expected.end() && !expected.empty())
      return state_error("task_state", task);
    const std::string host = str(*x, "host");
    if (host.empty() && name != "delete")
      return state_error("vm_state", vm);
    compute_result r = accepted();
    instance_transition t;
    t.update.uuid = uuid;
    t.update.expected_task_states = expected;
    t.update.expected_vm_states = action->from_vm;
    t.update.changes = json{{"task_state", action->task_state}}.dump();
    t.update.action = instance_action;
    t.host = host;
    t.action = name;
    t.local_delete = host.empty();
    t.conflict_message = "Cannot '" + key + "' instance " + uuid +
                         " while it is in task_state " + (task.empty() ? "None" : task);
    r.transitions.push_back(std::move(t));
    return r;
  });
}

} // namespace stratus::compute
