#pragma once
// The server actions that reach a compute node, as one table both sides
// read: the compute API checks the vm_states an action may start from and
// records its task_state (the compare-and-swap), the compute node carries
// it out and records where it ends. States from nova/compute/vm_states.py
// and task_states.py; event names as os-instance-actions shows them.

#include <string>
#include <vector>

namespace stratus::compute {

struct server_action {
  std::string name;                   // "reboot_soft", "stop", … (the message's action)
  std::string instance_action;        // os-instance-actions "action": "reboot", "stop", …
  std::vector<std::string> from_vm;   // vm_states it may start from
  std::string task_state;             // recorded while it runs
  std::string end_vm_state;           // vm_state once done
  int end_power_state = 0;            // Nova's power_state once done
  std::string event;                  // e.g. "compute_reboot_instance"
};

/// The action named `name`, or null.
const server_action* find_server_action(const std::string& name);

/// Nova's server status for a vm_state and task_state (API "status").
std::string server_status(const std::string& vm_state, const std::string& task_state);

} // namespace stratus::compute
