// stratus-inspect: a read-only look inside a running cluster over the
// transport's management namespace.
//   nodes  [--json]   liveness, pid, uptime, roles, peers as each node sees them
//   actors [--json]   every role actor: running, mailbox depth, handled, restarts, last error

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runtime/log.hpp"
#include "tools/cluster/cluster_probe.hpp"

using namespace stratus;
using namespace stratus::tools;
using namespace std::chrono_literals;

namespace {

constexpr auto node_timeout = 2s;

nlohmann::json describe_all(const cluster_spec& c, cluster_probe& probe) {
  nlohmann::json nodes = nlohmann::json::array();
  for (auto& n : c.nodes) {
    auto d = probe.describe(n.name, node_timeout);
    nlohmann::json row{{"node", n.name}, {"bus", n.bus()}, {"alive", static_cast<bool>(d)}};
    if (!d) {
      row["error"] = d.error.message;
      nodes.push_back(row);
      continue;
    }
    row["pid"] = d->pid;
    row["incarnation"] = d->incarnation;
    row["uptime_ms"] = d->uptime_ms;
    row["roles"] = d->roles;
    row["peers"] = nlohmann::json::array();
    for (auto& p : d->peers)
      row["peers"].push_back({{"node", p.node}, {"up", p.up}, {"silent_ms", p.silent_ms}});
    row["actors"] = nlohmann::json::array();
    for (auto& a : d->actors)
      row["actors"].push_back({{"name", a.name},
                               {"running", a.running},
                               {"mailbox", a.mailbox},
                               {"handled", a.handled},
                               {"restarts", a.restarts},
                               {"last_error", a.last_error}});
    nodes.push_back(row);
  }
  return nodes;
}

void print_nodes(const nlohmann::json& nodes) {
  std::printf("%-10s %-6s %-8s %-10s %-6s %s\n", "NODE", "ALIVE", "PID", "UPTIME", "PEERS", "ROLES");
  for (auto& n : nodes) {
    if (!n["alive"].get<bool>()) {
      std::printf("%-10s %-6s %s\n", n["node"].get<std::string>().c_str(), "no",
                  n["error"].get<std::string>().c_str());
      continue;
    }
    int up = 0;
    for (auto& p : n["peers"])
      up += p["up"].get<bool>() ? 1 : 0;
    std::string roles;
    for (auto& r : n["roles"])
      roles += (roles.empty() ? "" : ",") + r.get<std::string>();
    std::string peers = std::to_string(up) + "/" + std::to_string(n["peers"].size());
    std::printf("%-10s %-6s %-8lld %-10s %-6s %s\n", n["node"].get<std::string>().c_str(), "yes",
                static_cast<long long>(n["pid"].get<int64_t>()),
                (std::to_string(n["uptime_ms"].get<int64_t>() / 1000) + "s").c_str(),
                peers.c_str(), roles.c_str());
  }
}

void print_actors(const nlohmann::json& nodes) {
  std::printf("%-22s %-8s %-8s %-10s %-9s %s\n", "ACTOR", "RUNNING", "MAILBOX", "HANDLED",
              "RESTARTS", "LAST ERROR");
  for (auto& n : nodes) {
    if (!n["alive"].get<bool>())
      continue;
    for (auto& a : n["actors"])
      std::printf("%-22s %-8s %-8llu %-10llu %-9llu %s\n", a["name"].get<std::string>().c_str(),
                  a["running"].get<bool>() ? "yes" : "no",
                  static_cast<unsigned long long>(a["mailbox"].get<uint64_t>()),
                  static_cast<unsigned long long>(a["handled"].get<uint64_t>()),
                  static_cast<unsigned long long>(a["restarts"].get<uint64_t>()),
                  a["last_error"].get<std::string>().c_str());
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"stratus-inspect: nodes and actors of a running cluster (read-only)"};
  app.require_subcommand(1);
  std::string state_dir = "var";
  bool json = false;
  app.add_option("--state-dir", state_dir, "the cluster's state directory (default: var)");
  auto nodes = app.add_subcommand("nodes", "nodes with liveness, roles and peers");
  auto actors = app.add_subcommand("actors", "actors with mailbox depth, messages handled, restarts");
  for (auto* sub : {nodes, actors}) {
    sub->add_flag("--json", json, "machine-readable output");
    sub->add_option("--state-dir", state_dir, "the cluster's state directory");
  }
  CLI11_PARSE(app, argc, argv);
  runtime::init_logging("inspect", "warn");
  try {
    state_layout s{std::filesystem::absolute(state_dir)};
    auto c = load_state(s);
    cluster_probe probe{c};
    auto described = describe_all(c, probe);
    if (json)
      std::cout << described.dump(2) << "\n";
    else if (*nodes)
      print_nodes(described);
    else
      print_actors(described);
    for (auto& n : described)
      if (!n["alive"].get<bool>())
        return 3;
  } catch (const std::exception& e) {
    std::cerr << "stratus-inspect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
