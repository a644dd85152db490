#include "actors/network_agent/dhcp_service.hpp"

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "actors/common/json_fields.hpp"
#include "actors/network_agent/agent_namespace.hpp"
#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/namespace_process.hpp"
#include "drivers/netlink/netlink_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"

namespace stratus::network_agent {
namespace {

using json = nlohmann::json;
using json_fields::str;

constexpr auto dnsmasq_start_timeout = std::chrono::seconds(10);
constexpr const char* lease_time = "86400s";

/// "255.255.255.0" for prefix 24.
std::string netmask(int prefix) {
  uint32_t bits = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  std::ostringstream out;
  out << (bits >> 24) << '.' << ((bits >> 16) & 255) << '.' << ((bits >> 8) & 255) << '.'
      << (bits & 255);
  return out.str();
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes `text` if it differs; true if it did.
bool write_if_changed(const std::filesystem::path& p, const std::string& text) {
  if (std::filesystem::exists(p) && read_file(p) == text)
    return false;
  std::ofstream(p, std::ios::trunc) << text;
  return true;
}

/// The pid in `pid_file` if that process is alive.
pid_t running(const std::filesystem::path& pid_file) {
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

} // namespace

dhcp_service::dhcp_service(std::string host_netns, std::string node,
                           std::filesystem::path state_dir)
    : host_netns_(std::move(host_netns)), node_(std::move(node)), dir_(std::move(state_dir)) {}

std::string dhcp_service::namespace_of(const std::string& network_id) const {
  return agent_namespace("qdhcp-" + network_id, host_netns_, node_);
}

void dhcp_service::sync(netlink::netlink_driver& host, const json& bindings,
                        std::vector<std::string>& errors) {
  std::set<std::string> served;
  for (auto& b : bindings) {
    if (!b.contains("dhcp"))
      continue;
    served.insert(str(b, "network_id"));
    try {
      serve(host, b);
    } catch (const std::exception& e) {
      errors.push_back("DHCP for network " + str(b, "network_id") + ": " + e.what());
    }
  }
  // Servers of networks no DHCP port here needs any more.
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec))
    return;
  for (auto& entry : std::filesystem::directory_iterator(dir_, ec))
    if (entry.is_directory() && !served.count(entry.path().filename().string())) {
      try {
        stop(entry.path().filename().string());
      } catch (const std::exception& e) {
        errors.push_back("stopping DHCP for network " + entry.path().filename().string() + ": " +
                         e.what());
      }
    }
}

void dhcp_service::serve(netlink::netlink_driver& host, const json& b) {
  const auto network_id = str(b, "network_id");
  const json& dhcp = b["dhcp"];
  const auto dir = dir_ / network_id;
  std::filesystem::create_directories(dir);

  // The namespace and the port's far end in it.
  const auto ns_path = netlink::create_namespace(namespace_of(network_id));
  const auto inside = "ns-" + str(b, "port_id").substr(0, 11);
  host.ensure_veth(str(b, "tap"), inside, ns_path);
  auto ns = netlink::open_netlink_driver(ns_path);
  ns->set_up("lo");
  ns->set_mac(inside, str(b, "mac_address"));
  ns->set_mtu(inside, b.value("mtu", 1500u));
  for (auto& ip : b.value("fixed_ips", json::array()))
    ns->ensure_address(inside, str(ip, "ip_address") + "/" +
                                   std::to_string(ip.value("prefixlen", 24)));
  ns->set_up(inside);

  // The hosts file: every port's MAC, name and address (static leases).
  std::string hosts;
  for (auto& h : dhcp.value("hosts", json::array()))
    hosts += str(h, "mac_address") + "," + str(h, "hostname") + "," + str(h, "ip_address") + "\n";
  const bool hosts_changed = write_if_changed(dir / "host", hosts);

  // What dnsmasq is started with: a static range per subnet, the MTU,
  // router and DNS servers per subnet, no DNS service of its own.
  std::vector<std::string> argv{"dnsmasq",
                                "--no-hosts",
                                "--no-resolv",
                                "--port=0",
                                "--conf-file=/dev/null",
                                "--user=root",
                                "--group=root",
                                "--leasefile-ro",
                                "--dhcp-authoritative",
                                "--bind-interfaces",
                                "--interface=" + inside,
                                "--except-interface=lo",
                                "--pid-file=" + (dir / "pid").string(),
                                "--dhcp-hostsfile=" + (dir / "host").string(),
                                "--dhcp-option-force=option:mtu," +
                                    std::to_string(dhcp.value("mtu", 1500))};
  for (auto& s : dhcp.value("subnets", json::array())) {
    const auto cidr = str(s, "cidr");
    const auto slash = cidr.find('/');
    const auto tag = "subnet-" + str(s, "id");
    argv.push_back("--dhcp-range=set:" + tag + "," + cidr.substr(0, slash) + ",static," +
                   netmask(std::stoi(cidr.substr(slash + 1))) + "," + lease_time);
    if (s["gateway_ip"].is_string())
      argv.push_back("--dhcp-option=tag:" + tag + ",option:router," + str(s, "gateway_ip"));
    else
      argv.push_back("--dhcp-option=tag:" + tag + ",option:router");
    std::string dns;
    for (auto& d : json_fields::strings(s, "dns_nameservers"))
      dns += "," + d;
    if (!dns.empty())
      argv.push_back("--dhcp-option=tag:" + tag + ",option:dns-server" + dns);
  }
  std::string command;
  for (auto& a : argv)
    command += a + "\n";
  const bool config_changed = write_if_changed(dir / "command", command);

  pid_t pid = running(dir / "pid");
  if (pid && config_changed) { // new subnets or MTU: start afresh
    kill(pid, SIGTERM);
    pid = 0;
  }
  if (pid) {
    if (hosts_changed)
      kill(pid, SIGHUP); // re-reads the hosts file
    return;
  }
  // dnsmasq forks into the background once it is serving; its first
  // process tells whether the configuration was good.
  const int status = netlink::run_in_namespace_and_wait(
      ns_path, argv, std::chrono::duration_cast<std::chrono::milliseconds>(dnsmasq_start_timeout),
      (dir / "log").string());
  if (status != 0)
    throw std::runtime_error("dnsmasq did not start (status " + std::to_string(status) +
                             "; see " + (dir / "log").string() + ")");
}

void dhcp_service::stop_all() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec))
    return;
  std::vector<std::string> networks;
  for (auto& entry : std::filesystem::directory_iterator(dir_, ec))
    if (entry.is_directory())
      networks.push_back(entry.path().filename().string());
  for (auto& n : networks)
    try {
      stop(n);
    } catch (const std::exception&) {
      // going away anyway: what is left, `ip netns` shows
    }
}

void dhcp_service::stop(const std::string& network_id) {
  const auto dir = dir_ / network_id;
  if (pid_t pid = running(dir / "pid"))
    kill(pid, SIGTERM);
  netlink::delete_namespace(namespace_of(network_id)); // the far end goes with it
  std::filesystem::remove_all(dir);
}

} // namespace stratus::network_agent
