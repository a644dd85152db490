#pragma once
// The cell's records as the compute-conductor keeps them: instances (Nova's
// vm_state / task_state / power_state model), their actions and events
// (os-instance-actions), and compute hosts (service plus hypervisor). Held
// in memory and written through the conductor to the "compute" table as
// "instance/<uuid>", "action/<uuid>/<seq>" and "host/<name>".
//
// Every change of an instance is a compare-and-swap on its expected task
// and vm states, like Nova's instance.save(expected_task_state=…): of two
// racing transitions, one finds the state it expected and the other gets a
// conflict.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/record_change.hpp"
#include "messages/error.hpp"

namespace stratus::msg {
struct context;
struct update_instance_request;
} // namespace stratus::msg

namespace stratus::compute {

using json = nlohmann::json;

struct book_result {
  std::optional<msg::error> error;
  std::vector<record_change> changes; // to write before answering
  const json* instance = nullptr;     // the record after the change
};

class instance_book {
public:
  const json* instance(const std::string& uuid) const;
  const std::map<std::string, json>& instances() const {
    return instances_;
  }
  /// An instance's actions, oldest first.
  std::vector<const json*> actions(const std::string& uuid) const;
  const json* host(const std::string& name) const;
  const std::map<std::string, json>& hosts() const {
    return hosts_;
  }

  /// Records new instances: numbered, named "instance-%08x", building and
  /// scheduling, each with its "create" action started.
  book_result create(std::vector<json> instances, const msg::context& ctx, int64_t now);

  /// The compare-and-swap (see update_instance_request).
  book_result update(const msg::update_instance_request& req, const msg::context& ctx, int64_t now);

  /// A host's report (creating its record the first time) or an operator's
  /// change of its service (status, disabled_reason, forced_down).
  book_result update_host(const std::string& name, const json& changes, int64_t now);

  /// Applies a stored record (at load); returns the change that undoes it.
  record_change apply(const record_change& c);

private:
  record_change put_instance(json record);
  record_change put_action(const std::string& uuid, std::size_t index);
  json& start_action(const std::string& uuid, const std::string& action, const msg::context& ctx,
                     int64_t now);
  void record_event(const std::string& uuid, const std::string& event, const std::string& result,
                    int64_t now, std::vector<record_change>& changes);

  std::map<std::string, json> instances_;
  std::map<std::string, std::vector<json>> actions_; // by instance, oldest first
  std::map<std::string, json> hosts_;
  int64_t last_id_ = 0;
  int64_t last_host_id_ = 0;
};

/// "2026-11-26T05:39:52Z" (Nova shows this form; 2.x lists add .000000 where it must).
std::string iso_time(int64_t unix_seconds);

} // namespace stratus::compute
