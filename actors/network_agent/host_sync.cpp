#include "actors/network_agent/host_sync.hpp"

#include <algorithm>
#include <set>

#include "actors/common/json_fields.hpp"
#include "drivers/netlink/netlink_driver.hpp"

namespace stratus::network_agent {
namespace {

using json = nlohmann::json;
using json_fields::str;

constexpr std::size_t max_name = 15; // IFNAMSIZ - 1

uint32_t segmentation_id(const json& b) {
  auto it = b.find("segmentation_id");
  return it != b.end() && it->is_number_unsigned() ? it->get<uint32_t>() : 0;
}

/// Whether a device is one the agent makes (and may remove): VLAN
/// sub-interfaces only while in one of our bridges, since a host has
/// VLAN devices of its own.
bool ours(const netlink::link_info& l) {
  auto starts = [](const std::string& s, const char* p) { return s.rfind(p, 0) == 0; };
  return (starts(l.name, "brq") && l.kind == "bridge") ||
         (starts(l.name, "vxlan-") && l.kind == "vxlan") ||
         (starts(l.name, "gre") && l.kind == "gretap") ||
         (l.kind == "vlan" && starts(l.master, "brq"));
}

} // namespace

std::string vxlan_name(uint32_t vni) {
  return "vxlan-" + std::to_string(vni);
}

std::string vlan_name(const std::string& parent, uint32_t vlan_id) {
  const std::string suffix = "." + std::to_string(vlan_id);
  return parent.substr(0, max_name - suffix.size()) + suffix;
}

std::string gretap_name(uint32_t key, const std::string& remote_ip) {
  // gre<key>-<last octet in hex>: unique per network and remote for keys
  // up to 8 digits and remotes on one /24 underlay.
  const auto dot = remote_ip.rfind('.');
  const unsigned octet = dot == std::string::npos ? 0 : std::stoul(remote_ip.substr(dot + 1));
  static const char hex[] = "0123456789abcdef";
  std::string name = "gre" + std::to_string(key % 100000000) + "-";
  name += hex[(octet >> 4) & 15];
  name += hex[octet & 15];
  return name;
}

sync_result sync_host(netlink::netlink_driver& kernel, const json& bindings,
                      const host_config& config) {
  sync_result out;
  std::set<std::string> wanted; // devices of ours that stay
  std::map<std::string, const json*> networks; // by id: the first binding says it all
  for (auto& b : bindings)
    networks.emplace(str(b, "network_id"), &b);

  std::set<std::string> failed_networks;
  std::map<std::string, std::vector<std::string>> flooding; // what VXLAN devices flood to now
  try {
    flooding = kernel.vxlan_remotes();
  } catch (const std::exception& e) {
    out.errors.push_back(std::string{"listing VXLAN remotes: "} + e.what());
  }
  for (auto& [network_id, b] : networks) {
    const auto bridge = str(*b, "bridge");
    const auto type = str(*b, "network_type");
    const unsigned mtu = b->value("mtu", 1500u);
    try {
      kernel.ensure_bridge(bridge, mtu);
      wanted.insert(bridge);
      if (type == "vxlan") {
        const auto name = vxlan_name(segmentation_id(*b));
        kernel.ensure_vxlan(name, segmentation_id(*b), config.tunnel_ip, config.underlay_device,
                            config.vxlan_port, mtu);
        kernel.set_master(name, bridge);
        auto remotes = json_fields::strings(*b, "remotes");
        std::sort(remotes.begin(), remotes.end());
        auto now = flooding.find(name);
        if (now == flooding.end() || now->second != remotes) // sorted both
          kernel.set_vxlan_remotes(name, remotes);
        wanted.insert(name);
      } else if (type == "gre") {
        for (auto& remote : json_fields::strings(*b, "remotes")) {
          const auto name = gretap_name(segmentation_id(*b), remote);
          kernel.ensure_gretap(name, config.tunnel_ip, remote, segmentation_id(*b));
          kernel.set_master(name, bridge);
          kernel.set_bridge_port_isolated(name, true);
          wanted.insert(name);
        }
      } else if (type == "flat" || type == "vlan") {
        const auto physnet = str(*b, "physical_network");
        auto device = config.bridge_mappings.find(physnet);
        if (device == config.bridge_mappings.end())
          throw std::runtime_error("no interface for physical network " + physnet);
        std::string uplink = device->second;
        if (type == "vlan") {
          uplink = vlan_name(device->second, segmentation_id(*b));
          kernel.ensure_vlan(uplink, device->second, static_cast<uint16_t>(segmentation_id(*b)));
          wanted.insert(uplink);
        }
        kernel.set_master(uplink, bridge);
        kernel.set_up(uplink);
      }
    } catch (const std::exception& e) {
      out.errors.push_back("network " + network_id + ": " + e.what());
      failed_networks.insert(network_id);
    }
  }

  // Ports: a tap the hypervisor made goes into its network's bridge.
  std::map<std::string, netlink::link_info> links;
  for (auto& l : kernel.links())
    links[l.name] = l;
  for (auto& b : bindings) {
    const auto port = str(b, "port_id");
    const auto tap = str(b, "tap");
    if (failed_networks.count(str(b, "network_id")) || !links.count(tap)) {
      out.down.push_back(port);
      continue;
    }
    try {
      if (links[tap].master != str(b, "bridge"))
        kernel.set_master(tap, str(b, "bridge"));
      if (b.value("admin_state_up", true)) {
        if (!links[tap].up)
          kernel.set_up(tap);
        out.up.push_back(port);
      } else {
        out.down.push_back(port);
      }
    } catch (const std::exception& e) {
      out.errors.push_back("port " + port + ": " + e.what());
      out.down.push_back(port);
    }
  }

  // What no binding needs any more.
  for (auto& [name, l] : links) {
    if (!ours(l) || wanted.count(name))
      continue;
    try {
      kernel.delete_link(name);
      out.removed.push_back(name);
    } catch (const std::exception& e) {
      out.errors.push_back("removing " + name + ": " + e.what());
    }
  }
  return out;
}

} // namespace stratus::network_agent
