#include "actors/network_agent/router_service.hpp"

#include <fstream>
#include <set>

#include "actors/common/json_fields.hpp"
#include "actors/network_agent/agent_namespace.hpp"
#include "actors/network_agent/router_nat.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"
#include "drivers/nftables/nftables_session.hpp"

namespace stratus::network_agent {
namespace {

using json = nlohmann::json;
using json_fields::str;

constexpr const char* router_prefix = "qrouter-";
constexpr auto full_replace_every = std::chrono::minutes(5);

/// A router forwards: IPv4 and IPv6 forwarding on in its namespace
/// (the knobs are per namespace, seen by a thread inside it).
void enable_forwarding(const std::string& netns_path) {
  netlink::run_in_namespace(netns_path, [] {
    for (const char* knob :
         {"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"}) {
      std::ofstream f(knob);
      f << "1\n";
      if (!f)
        throw std::runtime_error(std::string("cannot switch on ") + knob);
    }
  });
}

bool is_router_leg(const std::string& device) {
  return device.rfind("qr-", 0) == 0 || device.rfind("qg-", 0) == 0;
}

} // namespace

router_service::router_service(std::string host_netns, std::string node)
    : host_netns_(std::move(host_netns)), node_(std::move(node)) {}

router_service::~router_service() = default;

std::string router_service::namespace_of(const std::string& router_id) const {
  return agent_namespace(router_prefix + router_id, host_netns_, node_);
}

router_service::floating_ip_status router_service::sync(netlink::netlink_driver& host,
                                                        const json& routers,
                                                        std::vector<std::string>& errors) {
  floating_ip_status status;
  std::set<std::string> wanted; // namespaces that stay
  for (auto& r : routers) {
    if (!r.value("admin_state_up", true))
      continue;
    const auto id = str(r, "id");
    wanted.insert(namespace_of(id));
    std::vector<std::string>* outcome = &status.up;
    try {
      realise(host, r);
    } catch (const std::exception& e) {
      errors.push_back("router " + id + ": " + e.what());
      outcome = &status.down;
    }
    for (auto& f : r.value("floating_ips", json::array()))
      outcome->push_back(str(f, "id"));
  }
  for (auto& name : netlink::list_namespaces())
    if (agent_namespace_of_host(name, router_prefix, host_netns_, node_) && !wanted.count(name)) {
      try {
        remove(name);
      } catch (const std::exception& e) {
        errors.push_back("removing router namespace " + name + ": " + e.what());
      }
    }
  return status;
}

void router_service::realise(netlink::netlink_driver& host, const json& router) {
  const auto name = namespace_of(str(router, "id"));
  const auto ns_path = netlink::create_namespace(name);
  router_state& state = routers_[name];
  auto ns = netlink::open_netlink_driver(ns_path);
  if (!state.set_up) {
    ns->set_up("lo");
    enable_forwarding(ns_path);
    state.set_up = true;
  }

  // The legs: a veth from the port's tap on the host into the namespace.
  std::set<std::string> legs;
  auto plug = [&](const json& leg, std::vector<std::string> addresses) {
    const auto device = str(leg, "device");
    host.ensure_veth(str(leg, "tap"), device, ns_path);
    ns->set_mac(device, str(leg, "mac_address"));
    ns->set_mtu(device, leg.value("mtu", 1500u));
    for (auto& ip : leg.value("fixed_ips", json::array()))
      addresses.push_back(str(ip, "ip_address") + "/" + std::to_string(ip.value("prefixlen", 32)));
    ns->set_addresses(device, addresses);
    ns->set_up(device);
    legs.insert(device);
  };
  for (auto& i : router.value("interfaces", json::array()))
    plug(i, {});

  std::vector<netlink::gateway_route> routes;
  const auto gateway = router.value("gateway", json());
  if (gateway.is_object()) {
    std::vector<std::string> floating;
    for (auto& f : router.value("floating_ips", json::array()))
      floating.push_back(str(f, "floating_ip_address") + "/32");
    plug(gateway, floating);
    if (const auto via = gateway.value("gateway_ip", json()); via.is_string())
      routes.push_back({via.get<std::string>().find(':') == std::string::npos ? "0.0.0.0/0" : "::/0",
                        via.get<std::string>()});
  }
  for (auto& r : router.value("routes", json::array()))
    routes.push_back({str(r, "destination"), str(r, "nexthop")});
  for (auto& l : ns->links())
    if (is_router_leg(l.name) && !legs.count(l.name))
      ns->delete_link(l.name); // a removed interface; its tap goes with it
  ns->set_gateway_routes(routes);

  // The NAT table: changed in place from what we last wrote; replaced
  // whole the first time, after a refused change and every few minutes
  // (which undoes hand edits).
  if (!state.nft)
    state.nft = std::make_unique<nftables::nftables_session>(ns_path);
  const auto desired = router_nat_table(router);
  const auto now = std::chrono::steady_clock::now();
  const bool whole = !state.applied || now - state.replaced_at > full_replace_every;
  if (!whole && *state.applied == desired)
    return;
  try {
    state.nft->run(whole ? nftables::replace_commands(desired)
                         : nftables::change_commands(*state.applied, desired));
    state.applied = desired;
    if (whole)
      state.replaced_at = now;
  } catch (const std::exception&) {
    state.applied.reset(); // the next pass replaces it whole
    throw;
  }
}

void router_service::remove(const std::string& namespace_name) {
  routers_.erase(namespace_name); // its nftables socket keeps the namespace alive
  // The legs first, and their taps with them: the kernel destroys a
  // namespace's devices only later, in the background.
  if (netlink::namespace_exists(namespace_name)) {
    auto ns = netlink::open_netlink_driver(netlink::namespace_path(namespace_name));
    for (auto& l : ns->links())
      if (is_router_leg(l.name))
        ns->delete_link(l.name);
  }
  netlink::delete_namespace(namespace_name);
}

void router_service::stop_all() {
  for (auto& name : netlink::list_namespaces())
    if (agent_namespace_of_host(name, router_prefix, host_netns_, node_))
      try {
        remove(name);
      } catch (const std::exception&) {
        // going away anyway: what is left, `ip netns` shows
      }
}

} // namespace stratus::network_agent
