#include "actors/registry.hpp"

#include "actors/compute/compute_actor.hpp"
#include "actors/compute_api/compute_api_actor.hpp"
#include "actors/compute_conductor/compute_conductor_actor.hpp"
#include "actors/conductor/conductor_actor.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/echo/echo_actor.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/identity/identity_actor.hpp"
#include "actors/image/image_actor.hpp"
#include "actors/network/network_server_actor.hpp"
#include "actors/network_agent/network_agent_actor.hpp"
#include "actors/placement/placement_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"

namespace stratus::actors {

runtime::role_registry all_roles() {
  runtime::role_registry r;
  r.add("compute", spawn_compute);
  r.add("compute-api", spawn_compute_api);
  r.add("compute-conductor", spawn_compute_conductor);
  r.add("conductor", spawn_conductor);
  r.add("console", spawn_console);
  r.add("echo", spawn_echo);
  r.add("gateway", spawn_gateway);
  r.add("identity", spawn_identity);
  r.add("image-api", spawn_image);
  r.add("placement", spawn_placement);
  r.add("network-server", spawn_network_server);
  r.add("network-agent", spawn_network_agent);
  r.add("scheduler", spawn_scheduler);
  return r;
}

} // namespace stratus::actors
