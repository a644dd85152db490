#include "actors/network_agent/router_nat.hpp"

#include "actors/common/json_fields.hpp"

namespace stratus::network_agent {

using json_fields::str;

nftables::nft_table router_nat_table(const nlohmann::json& router) {
  nftables::nft_table table{"ip", "stratus_router", {}, {}};
  auto& destination = table.chains["destination_nat"];
  destination.hook = "type nat hook prerouting priority -100; policy accept;";
  auto& source = table.chains["source_nat"];
  source.hook = "type nat hook postrouting priority 100; policy accept;";

  const auto gateway = router.value("gateway", nlohmann::json());
  if (!gateway.is_object())
    return table; // no way out: nothing to translate
  const auto out = "oifname \"" + str(gateway, "device") + "\"";
  for (auto& f : router.value("floating_ips", nlohmann::json::array())) {
    const auto floating = str(f, "floating_ip_address");
    const auto fixed = str(f, "fixed_ip_address");
    if (floating.empty() || fixed.empty())
      continue;
    destination.rules.push_back("ip daddr " + floating + " dnat to " + fixed);
    source.rules.push_back("ip saddr " + fixed + " " + out + " snat to " + floating);
  }
  const auto address = str(gateway, "ip_address");
  if (gateway.value("enable_snat", true) && !address.empty() &&
      address.find(':') == std::string::npos)
    source.rules.push_back(out + " snat to " + address);
  return table;
}

} // namespace stratus::network_agent
