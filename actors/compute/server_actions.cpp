#include "actors/compute/server_actions.hpp"

namespace stratus::compute {

const server_action* find_server_action(const std::string& name) {
  // Power states: 1 running, 3 paused, 4 shutdown, 7 suspended.
  static const std::vector<server_action> actions{
      {"reboot_soft", "reboot", {"active", "stopped", "paused", "suspended", "error"}, "rebooting",
       "active", 1, "compute_reboot_instance"},
      {"reboot_hard", "reboot", {"active", "stopped", "paused", "suspended", "error"},
       "rebooting_hard", "active", 1, "compute_reboot_instance"},
      {"stop", "stop", {"active", "error"}, "powering-off", "stopped", 4, "compute_stop_instance"},
      {"start", "start", {"stopped"}, "powering-on", "active", 1, "compute_start_instance"},
      {"pause", "pause", {"active"}, "pausing", "paused", 3, "compute_pause_instance"},
      {"unpause", "unpause", {"paused"}, "unpausing", "active", 1, "compute_unpause_instance"},
      {"suspend", "suspend", {"active"}, "suspending", "suspended", 7, "compute_suspend_instance"},
      {"resume", "resume", {"suspended"}, "resuming", "active", 1, "compute_resume_instance"},
      {"delete", "delete", {}, "deleting", "deleted", 0, "compute_terminate_instance"},
  };
  for (auto& a : actions)
    if (a.name == name)
      return &a;
  return nullptr;
}

std::string server_status(const std::string& vm_state, const std::string& task_state) {
  // nova/api/openstack/common.py, _STATE_MAP.
  if (vm_state == "active") {
    if (task_state == "rebooting" || task_state == "reboot_pending" || task_state == "reboot_started")
      return "REBOOT";
    if (task_state == "rebooting_hard" || task_state == "reboot_pending_hard" ||
        task_state == "reboot_started_hard")
      return "HARD_REBOOT";
    if (task_state == "rebuilding")
      return "REBUILD";
    if (task_state == "migrating")
      return "MIGRATING";
    return "ACTIVE";
  }
  if (vm_state == "building")
    return "BUILD";
  if (vm_state == "stopped")
    return "SHUTOFF";
  if (vm_state == "paused")
    return "PAUSED";
  if (vm_state == "suspended")
    return "SUSPENDED";
  if (vm_state == "error")
    return "ERROR";
  if (vm_state == "deleted")
    return "DELETED";
  if (vm_state == "soft-delete")
    return "SOFT_DELETED";
  if (vm_state == "shelved")
    return "SHELVED";
  if (vm_state == "shelved_offloaded")
    return "SHELVED_OFFLOADED";
  if (vm_state == "rescued")
    return "RESCUE";
  if (vm_state == "resized")
    return "VERIFY_RESIZE";
  return "UNKNOWN";
}

} // namespace stratus::compute
