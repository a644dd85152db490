#include "actors/network_agent/firewall_sync.hpp"

#include <fstream>

#include "drivers/netlink/network_namespace.hpp"
#include "drivers/nftables/nftables_session.hpp"

namespace stratus::network_agent {
namespace {

/// Bridged IPv4/IPv6 must pass the IP hooks (br_netfilter), where
/// conntrack makes the rules stateful; per network namespace.
void bridge_traffic_through_ip_hooks(const std::string& netns_path) {
  auto write = [] {
    for (const char* knob : {"/proc/sys/net/bridge/bridge-nf-call-iptables",
                             "/proc/sys/net/bridge/bridge-nf-call-ip6tables"}) {
      std::ofstream f(knob);
      f << "1\n";
      if (!f)
        throw std::runtime_error(std::string("cannot switch on ") + knob +
                                 " (is br_netfilter loaded?)");
    }
  };
  if (netns_path.empty())
    write();
  else
    netlink::run_in_namespace(netns_path, write);
}

} // namespace

firewall_sync::firewall_sync(std::string netns_path, std::chrono::seconds full_every)
    : netns_path_(std::move(netns_path)), full_every_(full_every) {}

firewall_sync::~firewall_sync() = default;

std::vector<std::string> firewall_sync::sync(const nlohmann::json& bindings,
                                             const nlohmann::json& security) {
  try {
    apply(security_group_rules(bindings, security, memory_));
    return {};
  } catch (const std::exception& e) {
    applied_.reset(); // the next pass starts from a clean slate
    return {std::string("security groups not enforced: ") + e.what()};
  }
}

void firewall_sync::apply(security_group_tables desired) {
  if (!nft_) {
    bridge_traffic_through_ip_hooks(netns_path_);
    nft_ = std::make_unique<nftables::nftables_session>(netns_path_);
  }
  const auto now = std::chrono::steady_clock::now();
  if (applied_ && now - last_full_ < full_every_) {
    try {
      nft_->run(nftables::change_commands(applied_->bridge, desired.bridge) +
                nftables::change_commands(applied_->inet, desired.inet));
      applied_ = std::move(desired);
      return;
    } catch (const std::exception&) {
      // Someone changed the tables under us: replace them whole below.
    }
  }
  nft_->run(nftables::replace_commands(desired.bridge) + nftables::replace_commands(desired.inet));
  applied_ = std::move(desired);
  last_full_ = now;
}

} // namespace stratus::network_agent
