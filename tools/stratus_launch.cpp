// stratus-launch: starts, inspects and stops a Stratus cluster.
//   up [--cluster FILE] [--state-dir DIR] [--foreground]
//   down | status [--json] | logs [NODE...] [-n LINES] | fernet-rotate

#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "messages/identity.hpp"
#include "runtime/call.hpp"
#include "runtime/log.hpp"
#include "runtime/transport.hpp"
#include "tools/cluster/cluster_file.hpp"
#include "tools/cluster/cluster_probe.hpp"
#include "tools/cluster/host_network.hpp"
#include "tools/cluster/libvirt_daemons.hpp"
#include "tools/cluster/node_process.hpp"
#include "tools/cluster/uml_host.hpp"

using namespace stratus;
using namespace stratus::tools;
using namespace std::chrono_literals;

namespace {

/// How long `up` waits for every role to answer.
constexpr auto start_timeout = 60s;
/// How long `down` waits after SIGTERM before SIGKILL.
constexpr auto stop_grace = 10s;
/// How long `status` waits for a node to answer.
constexpr auto status_timeout = 2s;
constexpr std::size_t log_lines_on_failure = 20;

std::filesystem::path node_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "stratus-node";
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// What a cluster file leaves to be chosen (ports, keys, the cluster id and
/// underlay addresses) as `recorded` chose it: nodes still running keep
/// reaching the ones restarted. Returns the nodes whose port came from the
/// record (their own, maybe running).
std::set<std::string> keep_recorded_choices(cluster_spec& c, const cluster_spec& recorded) {
  std::set<std::string> kept;
  if (c.api_port == 0)
    c.api_port = recorded.api_port;
  if (c.cluster_id.empty())
    c.cluster_id = recorded.cluster_id;
  for (auto& n : c.nodes)
    if (auto* was = recorded.find(n.name); was && n.host_index == 0)
      n.host_index = was->host_index;
  if (c.curve && c.operator_secret_key.empty()) {
    c.operator_public_key = recorded.operator_public_key;
    c.operator_secret_key = recorded.operator_secret_key;
  }
  for (auto& n : c.nodes)
    if (auto* was = recorded.find(n.name); was && n.host == was->host) {
      if (n.port == 0 && was->port != 0) {
        n.port = was->port;
        kept.insert(n.name);
      }
      if (c.curve && n.curve_secret_key.empty()) {
        n.curve_public_key = was->curve_public_key;
        n.curve_secret_key = was->curve_secret_key;
      }
    }
  return kept;
}

/// The cluster to start: the recorded one if the state dir has it (so a
/// restart keeps its ports), else the file given (with the recorded ports
/// and keys for what it leaves open), else all-in-one.
cluster_spec prepare_cluster(const state_layout& s, const std::string& cluster_file) {
  cluster_spec c;
  std::set<std::string> recorded_ports;
  if (!cluster_file.empty()) {
    c = load_cluster(cluster_file);
    if (std::filesystem::exists(s.cluster_file()))
      recorded_ports = keep_recorded_choices(c, load_cluster(s.cluster_file()));
  } else if (std::filesystem::exists(s.cluster_file())) {
    c = load_cluster(s.cluster_file());
    if (c.all_in_one_layout) {
      const cluster_spec current = all_in_one();
      for (auto& layout : current.nodes)
        for (auto& n : c.nodes)
          if (n.name == layout.name)
            n.roles = layout.roles;
      if (c.provider_address.empty()) // recorded before the layout had one
        c.provider_address = current.provider_address;
    }
    if (c.api_port == 0)  // recorded before the gateway existed
      c.api_port = pick_free_port(c.api_host);
    return c;
  } else {
    c = all_in_one();
  }
  if (c.curve && c.operator_secret_key.empty())
    std::tie(c.operator_public_key, c.operator_secret_key) = runtime::make_curve_keypair();
  std::set<int> taken;
  for (auto& n : c.nodes) {
    // A UML node's ports are its own kernel's: any number is free there.
    const bool own_kernel = is_uml(n);
    if (n.port != 0 && !own_kernel && !recorded_ports.count(n.name) &&
        !port_is_free(n.host, n.port))
      throw std::runtime_error("port " + std::to_string(n.port) + " on " + n.host + " for node " +
                               n.name + " is already in use");
    while (n.port == 0 || taken.count(n.port) != 0)
      n.port = pick_free_port(own_kernel ? "127.0.0.1" : n.host);
    taken.insert(n.port);
    if (c.curve && n.curve_secret_key.empty())
      std::tie(n.curve_public_key, n.curve_secret_key) = runtime::make_curve_keypair();
  }
  while (c.api_port == 0 || taken.count(c.api_port) != 0)
    c.api_port = pick_free_port(c.api_host);
  return c;
}

/// The first node hosting `role`, or nullptr.
const node_spec* host_of(const cluster_spec& c, const std::string& role) {
  for (auto& n : c.nodes)
    for (auto& r : n.roles)
      if (r == role)
        return &n;
  return nullptr;
}

/// Writes `text` to `file` readable by its owner only.
void write_private(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  const mode_t old = ::umask(077);
  std::ofstream out(file, std::ios::trunc);
  ::umask(old);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + file.string());
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::owner_write);
}

/// The admin password: $STRATUS_ADMIN_PASSWORD, else the recorded one, else
/// a new random one; kept in the state dir, mode 0600.
std::string admin_password(const state_layout& s) {
  std::string password;
  if (const char* given = std::getenv("STRATUS_ADMIN_PASSWORD"); given && *given)
    password = given;
  else if (std::ifstream in(s.admin_password()); in)
    std::getline(in, password);
  if (password.empty()) {
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::random_device rd;
    for (int i = 0; i < 24; ++i)
      password += alphabet[rd() % (sizeof alphabet - 1)];
  }
  write_private(s.admin_password(), password + "\n");
  return password;
}

/// The environment the openstack CLI needs, as keystone-manage users know it.
void write_openrc(const state_layout& s, const cluster_spec& c, const std::string& password) {
  const auto identity = c.role_settings.count("identity") ? c.role_settings.at("identity")
                                                          : std::map<std::string, std::string>{};
  auto setting = [&identity](const char* key, const char* fallback) {
    auto it = identity.find(key);
    return it == identity.end() ? std::string{fallback} : it->second;
  };
  write_private(s.openrc(),
                "# Source this file to use the openstack CLI against this cluster.\n"
                "export OS_AUTH_URL=" + c.api_url() + "/identity/v3\n"
                "export OS_USERNAME=" + setting("admin_user", "admin") + "\n"
                "export OS_PASSWORD='" + password + "'\n"
                "export OS_PROJECT_NAME=" + setting("admin_project", "admin") + "\n"
                "export OS_USER_DOMAIN_NAME=Default\n"
                "export OS_PROJECT_DOMAIN_NAME=Default\n"
                "export OS_IDENTITY_API_VERSION=3\n"
                "export OS_REGION_NAME=" + setting("region", "RegionOne") + "\n"
                "export OS_AUTH_TYPE=password\n"
                "export OS_INTERFACE=public\n");
}

void print_failure(const state_layout& s, const std::string& node, const std::string& what) {
  std::cerr << "stratus-launch: node " << node << " " << what << "; last lines of "
            << s.log_file(node).string() << ":\n";
  for (auto& line : tail_lines(s.log_file(node), log_lines_on_failure))
    std::cerr << "  | " << line << "\n";
}

void stop_node(const state_layout& s, const std::string& name) {
  if (auto pid = running_pid(s.pid_file(name))) {
    const bool killed = stop_process(*pid, stop_grace);
    std::cout << "stopped " << name << " (pid " << *pid << (killed ? ", killed" : "") << ")\n";
  } else if (int left = kill_group_remnants(s.pid_file(name)); left > 0) {
    std::cout << "killed " << left << " process(es) left of " << name << "\n";
  }
  std::filesystem::remove(s.pid_file(name));
}

/// Stops every node, then removes the namespaces and underlay they had.
int stop_all(const state_layout& s, const cluster_spec& c) {
  for (auto& n : c.nodes)
    stop_node(s, n.name);
  remove_host_network(c);
  return 0;
}

/// The nodes of `c` whose process is alive.
std::set<std::string> running_nodes(const state_layout& s, const cluster_spec& c) {
  std::set<std::string> running;
  for (auto& n : c.nodes)
    if (running_pid(s.pid_file(n.name)))
      running.insert(n.name);
  return running;
}

/// Removes the host network of the nodes not running; a failure is only
/// reported, since the caller is already failing for a reason of its own.
void remove_unused_host_network(const state_layout& s, const cluster_spec& c) {
  try {
    remove_host_network(c, running_nodes(s, c));
  } catch (const std::exception& e) {
    std::cerr << "stratus-launch: " << e.what() << "\n";
  }
}

/// A failed start stops what this run started and leaves the rest running.
int abandon_start(const state_layout& s, const cluster_spec& c,
                  const std::map<std::string, pid_t>& started) {
  for (auto& [name, pid] : started)
    stop_node(s, name);
  remove_unused_host_network(s, c);
  return 1;
}

/// Makes the namespaces and underlay of the namespaced nodes (nothing if
/// none); a failure removes what it made and throws.
void start_host_network(const state_layout& s, const cluster_spec& c) {
  try {
    ensure_host_network(c);
  } catch (...) {
    remove_unused_host_network(s, c);
    throw;
  }
  for (auto& n : c.nodes)
    if (n.host_index > 0)
      std::cout << n.name << " host: "
                << (is_uml(n) ? "user-mode Linux"
                              : "namespace " + namespace_name(c.cluster_id, n.name))
                << ", " << underlay_device << " " << tunnel_ip(n.host_index) << " on underlay "
                << underlay_bridge_name(c.cluster_id) << ", " << provider_device
                << " on provider network " << provider_bridge_name(c.cluster_id) << "\n";
}

/// Whether compute nodes run real guests (`hypervisor = "qemu"` in
/// [roles.compute]), for which libvirtd must run.
bool wants_real_guests(const cluster_spec& c) {
  auto compute = c.role_settings.find("compute");
  if (compute == c.role_settings.end())
    return false;
  auto hypervisor = compute->second.find("hypervisor");
  return hypervisor != compute->second.end() && hypervisor->second == "qemu";
}

/// Starts node `n`'s process: stratus-node, or the UML kernel it runs in.
pid_t start_node(const state_layout& s, const cluster_spec& c, const node_spec& n,
                 const std::filesystem::path& binary) {
  if (!is_uml(n))
    return start_node_process(binary, s.node_config(n.name), s.log_file(n.name));
  uml_boot b;
  b.node_binary = binary;
  b.node_config = s.node_config(n.name);
  b.log = s.log_file(n.name);
  b.init_script = s.node_dir(n.name) / "uml-init.sh";
  b.tunnel_cidr = tunnel_ip(n.host_index) + "/" + std::to_string(underlay_prefix_length());
  b.underlay_tap = underlay_tap_name(c.cluster_id, n.host_index);
  b.provider_tap = provider_tap_name(c.cluster_id, n.host_index);
  return start_uml_host(b);
}

int cmd_up(const state_layout& s, const std::string& cluster_file, bool foreground) {
  auto c = prepare_cluster(s, cluster_file);
  plan_host_network(c, s.root, ::geteuid() == 0);
  save_cluster(c, s.cluster_file());
  const node_spec* gateway = host_of(c, "gateway");
  const bool has_api = gateway != nullptr;
  std::string password;
  if (host_of(c, "identity")) {
    password = admin_password(s);
    c.admin_password_file = s.admin_password();
  }
  if (gateway && !running_pid(s.pid_file(gateway->name)) && !port_is_free(c.api_host, c.api_port))
    throw std::runtime_error("port " + std::to_string(c.api_port) + " on " + c.api_host +
                             " for the API gateway is already in use");
  const auto binary = node_binary();
  if (std::any_of(c.nodes.begin(), c.nodes.end(), is_uml))
    check_uml_kernel();
  // A UML kernel killed outright leaves helpers behind that hold its taps.
  for (auto& n : c.nodes)
    kill_group_remnants(s.pid_file(n.name));
  const auto t0 = std::chrono::steady_clock::now();
  start_host_network(s, c);
  if (wants_real_guests(c))
    ensure_libvirt_daemons();

  std::map<std::string, pid_t> started;
  try {
    for (auto& n : c.nodes) {
      if (auto pid = running_pid(s.pid_file(n.name))) {
        std::cout << n.name << " already running (pid " << *pid << ")\n";
        continue;
      }
      if (!is_uml(n) && !port_is_free(n.bus_ip(), n.port))
        throw std::runtime_error("port " + std::to_string(n.port) + " on " + n.bus_ip() +
                                 " for node " + n.name + " is already in use");
      write_node_config(c, n, s.node_dir(n.name), s.node_config(n.name));
      pid_t pid = start_node(s, c, n, binary);
      write_pid(s.pid_file(n.name), pid);
      started[n.name] = pid;
      std::cout << "starting " << n.name << " (pid " << pid << ", bus " << n.bus() << ")\n";
    }
  } catch (...) {
    abandon_start(s, c, started);
    throw;
  }

  cluster_probe probe{c};
  std::set<std::string> waiting;
  for (auto& n : c.nodes)
    waiting.insert(n.name);
  while (!waiting.empty()) {
    for (auto& [name, pid] : started) {
      if (!waiting.count(name))
        continue;
      if (auto code = reap_if_exited(pid)) {
        print_failure(s, name, "exited with code " + std::to_string(*code) + " while starting");
        return abandon_start(s, c, started);
      }
    }
    if (std::chrono::steady_clock::now() - t0 > start_timeout) {
      for (auto& name : waiting)
        print_failure(s, name, "did not become ready within " +
                                 std::to_string(start_timeout.count()) + " s");
      return abandon_start(s, c, started);
    }
    for (auto it = waiting.begin(); it != waiting.end();) {
      auto d = probe.describe(*it, 200ms);
      bool ready = static_cast<bool>(d);
      if (ready)
        for (auto& a : d->actors)
          ready = ready && a.running;
      if (ready) {
        std::string roles;
        for (auto& r : d->roles)
          roles += (roles.empty() ? "" : ", ") + r;
        std::printf("%s ready: %s (%.1f s)\n", it->c_str(), roles.c_str(), seconds_since(t0));
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::cout << "cluster up: " << c.nodes.size() << " node(s), state in " << s.root.string()
            << "\n";
  if (has_api)
    std::cout << "OpenStack APIs at " << c.api_url() << "\n";
  if (!password.empty()) {
    write_openrc(s, c, password);
    std::cout << "credentials: source " << s.openrc().string() << "\n";
  }
  if (!foreground)
    return 0;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::cout << "running in the foreground; Ctrl-C stops the cluster\n";
  int sig = 0;
  sigwait(&signals, &sig);
  return stop_all(s, c);
}

int cmd_status(const state_layout& s, bool json) {
  auto c = load_state(s);
  cluster_probe probe{c};
  nlohmann::json out = nlohmann::json::array();
  int down = 0;
  for (auto& n : c.nodes) {
    auto pid = running_pid(s.pid_file(n.name));
    auto d = probe.describe(n.name, status_timeout);
    std::string state = d ? "up" : (pid ? "unresponsive" : "down");
    if (!d)
      ++down;
    nlohmann::json row{{"node", n.name}, {"state", state}, {"pid", pid ? *pid : 0},
                       {"bus", n.bus()}, {"roles", n.roles}};
    if (d)
      row["uptime_ms"] = d->uptime_ms;
    out.push_back(row);
  }
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("%-10s %-13s %-8s %-26s %s\n", "NODE", "STATE", "PID", "BUS", "ROLES");
    for (auto& r : out) {
      std::string roles;
      for (auto& x : r["roles"])
        roles += (roles.empty() ? "" : ",") + x.get<std::string>();
      std::printf("%-10s %-13s %-8d %-26s %s\n", r["node"].get<std::string>().c_str(),
                  r["state"].get<std::string>().c_str(), r["pid"].get<int>(),
                  r["bus"].get<std::string>().c_str(), roles.c_str());
    }
  }
  return down == 0 ? 0 : 3;
}

/// keystone-manage fernet_rotate, for every identity role of the cluster.
int cmd_fernet_rotate(const state_layout& s) {
  auto c = load_state(s);
  cluster_probe probe{c};
  int rotated = 0;
  for (auto& n : c.nodes)
    for (auto& role : n.roles) {
      if (role != "identity")
        continue;
      if (!probe.client().wait_for_peer(n.name, status_timeout))
        throw std::runtime_error("node " + n.name + " does not answer");
      auto r = runtime::call(probe.client(), "identity@" + n.name,
                             msg::rotate_keys_request{"stratus-launch fernet-rotate"}, 10s);
      if (!r)
        throw std::runtime_error("identity@" + n.name + ": " + r.error.message);
      std::cout << "identity@" << n.name << ": keys rotated, " << r->active_keys
                << " active (primary, secondaries, staged)\n";
      ++rotated;
    }
  if (rotated == 0)
    throw std::runtime_error("no node of this cluster hosts the identity role");
  return 0;
}

int cmd_logs(const state_layout& s, std::vector<std::string> nodes, std::size_t lines) {
  auto c = load_state(s);
  if (nodes.empty())
    for (auto& n : c.nodes)
      nodes.push_back(n.name);
  for (auto& name : nodes) {
    if (!c.find(name))
      throw std::runtime_error("no node " + name + " in this cluster");
    for (auto& line : tail_lines(s.log_file(name), lines))
      std::cout << name << " | " << line << "\n";
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"stratus-launch: start, inspect and stop a Stratus cluster"};
  app.require_subcommand(1);
  std::string state_dir = "var";
  app.add_option("--state-dir", state_dir, "where the cluster keeps its state (default: var)");

  std::string cluster_file;
  bool foreground = false;
  auto up = app.add_subcommand("up", "start every node (all-in-one by default) and wait until every role answers");
  up->add_option("--cluster", cluster_file, "cluster file (TOML)")->check(CLI::ExistingFile);
  up->add_option("--state-dir", state_dir, "where the cluster keeps its state");
  up->add_flag("--foreground", foreground, "stay attached; Ctrl-C stops the cluster");

  auto down = app.add_subcommand("down", "stop every node");
  down->add_option("--state-dir", state_dir, "where the cluster keeps its state");

  bool json = false;
  auto status = app.add_subcommand("status", "show every node and whether it answers");
  status->add_option("--state-dir", state_dir, "where the cluster keeps its state");
  status->add_flag("--json", json, "machine-readable output");

  std::vector<std::string> log_nodes;
  std::size_t lines = 50;
  auto logs = app.add_subcommand("logs", "print the last lines of node logs");
  logs->add_option("--state-dir", state_dir, "where the cluster keeps its state");
  logs->add_option("nodes", log_nodes, "nodes (default: all)");
  logs->add_option("-n,--lines", lines, "lines per node");

  auto rotate = app.add_subcommand("fernet-rotate",
                                   "rotate the identity role's Fernet keys (staged key becomes primary)");
  rotate->add_option("--state-dir", state_dir, "where the cluster keeps its state");

  CLI11_PARSE(app, argc, argv);
  runtime::init_logging("launcher", "warn");
  state_layout s{std::filesystem::absolute(state_dir)};
  try {
    if (*up)
      return cmd_up(s, cluster_file, foreground);
    if (*down)
      return stop_all(s, load_state(s));
    if (*status)
      return cmd_status(s, json);
    if (*logs)
      return cmd_logs(s, log_nodes, lines);
    if (*rotate)
      return cmd_fernet_rotate(s);
  } catch (const std::exception& e) {
    std::cerr << "stratus-launch: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
