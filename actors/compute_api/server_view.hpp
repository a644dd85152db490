#pragma once
// How an instance record looks as a server in the Compute API at a given
// microversion (https://docs.openstack.org/api-ref/compute/#servers-servers):
// the status Nova derives from vm_state and task_state, the flavor as a
// link or (2.47) inline, hostId, the extended attributes admins see, and
// the fault of an ERROR server.

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {

/// {"id", "name", "links"} as GET /servers lists.
json server_summary(const compute_call& c, const json& instance);
/// The full server (GET /servers/{id}, /servers/detail).
json server_detail(const compute_call& c, const json& instance);
/// self and bookmark links of a server.
json server_links(const compute_call& c, const std::string& uuid);

} // namespace stratus::compute
