#include "tools/cluster/cluster_file.hpp"

#include <fstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "tools/cluster/host_network.hpp"

namespace stratus::tools {
namespace {

toml::array string_array(const std::vector<std::string>& xs) {
  toml::array a;
  for (auto& x : xs)
    a.push_back(x);
  return a;
}

void write_file(const std::filesystem::path& file, const toml::table& t) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file);
  out << t << "\n";
  if (!out)
    throw std::runtime_error("cannot write " + file.string());
}

} // namespace

const node_spec* cluster_spec::find(const std::string& name) const {
  for (auto& n : nodes)
    if (n.name == name)
      return &n;
  return nullptr;
}

cluster_spec all_in_one() {
  cluster_spec c;
  auto add = [&c](std::string name, std::vector<std::string> roles) {
    node_spec n;
    n.name = std::move(name);
    n.roles = std::move(roles);
    c.nodes.push_back(std::move(n));
  };
  add("ctl-1", {"conductor", "identity", "image-api", "placement", "compute-api",
                "compute-conductor", "scheduler", "network-server", "console", "gateway", "echo"});
  add("cmp-1", {"compute", "network-agent", "echo"});
  add("cmp-2", {"compute", "network-agent", "echo"});
  c.all_in_one_layout = true;
  c.provider_address = "172.24.4.1/24";
  return c;
}

cluster_spec load_cluster(const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string{e.description()});
  }
  cluster_spec c;
  c.heartbeat_ms = static_cast<int>(t["cluster"]["heartbeat_ms"].value_or(int64_t{1000}));
  c.liveness = static_cast<int>(t["cluster"]["liveness"].value_or(int64_t{3}));
  c.curve = t["cluster"]["curve"].value_or(false);
  c.operator_public_key = t["cluster"]["operator_public_key"].value_or(std::string{});
  c.operator_secret_key = t["cluster"]["operator_secret_key"].value_or(std::string{});
  c.all_in_one_layout = t["cluster"]["layout"].value_or(std::string{}) == "all-in-one";
  c.api_host = t["cluster"]["api_host"].value_or(std::string{"127.0.0.1"});
  c.api_port = static_cast<int>(t["cluster"]["api_port"].value_or(int64_t{0}));
  c.cluster_id = t["cluster"]["cluster_id"].value_or(std::string{});
  c.provider_address = t["cluster"]["provider_address"].value_or(std::string{});
  if (auto roles = t["roles"].as_table())
    for (auto&& [role, settings] : *roles)
      if (auto tbl = settings.as_table())
        for (auto&& [key, value] : *tbl) {
          std::string text;
          if (value.is_boolean())
            text = *value.value<bool>() ? "true" : "false";
          else if (value.is_integer())
            text = std::to_string(*value.value<int64_t>());
          else if (value.is_string())
            text = *value.value<std::string>();
          else
            throw std::runtime_error(file.string() + ": [roles." + std::string{role.str()} + "] " +
                                     std::string{key.str()} + " must be a string, number or bool");
          c.role_settings[std::string{role.str()}][std::string{key.str()}] = text;
        }
  auto nodes = t["node"].as_array();
  if (!nodes || nodes->empty())
    throw std::runtime_error(file.string() + ": no [[node]] entries");
  for (auto& entry : *nodes) {
    auto tbl = entry.as_table();
    if (!tbl)
      throw std::runtime_error(file.string() + ": [[node]] entries must be tables");
    node_spec n;
    n.name = (*tbl)["name"].value_or(std::string{});
    n.host = (*tbl)["host"].value_or(std::string{"127.0.0.1"});
    n.port = static_cast<int>((*tbl)["port"].value_or(int64_t{0}));
    n.curve_public_key = (*tbl)["curve_public_key"].value_or(std::string{});
    n.curve_secret_key = (*tbl)["curve_secret_key"].value_or(std::string{});
    n.host_kind = (*tbl)["host_kind"].value_or(std::string{});
    n.bus_host = (*tbl)["bus_host"].value_or(std::string{});
    n.host_index = static_cast<int>((*tbl)["host_index"].value_or(int64_t{0}));
    if (auto roles = (*tbl)["roles"].as_array())
      for (auto& r : *roles)
        n.roles.push_back(r.value_or(std::string{}));
    if (n.name.empty())
      throw std::runtime_error(file.string() + ": a [[node]] has no name");
    if (c.find(n.name))
      throw std::runtime_error(file.string() + ": node " + n.name + " is listed twice");
    try {
      check_host_kind(n.name, n.host_kind);
      // DESIGN.md once spelt the kind `host = "uml"`; here `host` is the bus
      // address, so a kind written there would only fail later, obscurely.
      if (n.host == host_kind_self || n.host == host_kind_netns || n.host == host_kind_uml)
        throw std::runtime_error("node " + n.name + ": host is the bus address; write " +
                                 "host_kind = \"" + n.host + "\" for the kind of host");
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(file.string() + ": " + e.what());
    }
    c.nodes.push_back(std::move(n));
  }
  return c;
}

void save_cluster(const cluster_spec& c, const std::filesystem::path& file) {
  toml::table t;
  toml::table cluster{{"heartbeat_ms", c.heartbeat_ms}, {"liveness", c.liveness},
                      {"curve", c.curve}, {"api_host", c.api_host}, {"api_port", c.api_port}};
  if (c.all_in_one_layout)
    cluster.insert("layout", "all-in-one");
  if (!c.cluster_id.empty())
    cluster.insert("cluster_id", c.cluster_id);
  if (!c.provider_address.empty())
    cluster.insert("provider_address", c.provider_address);
  if (!c.operator_public_key.empty()) {
    cluster.insert("operator_public_key", c.operator_public_key);
    cluster.insert("operator_secret_key", c.operator_secret_key);
  }
  t.insert("cluster", std::move(cluster));
  if (!c.role_settings.empty()) {
    toml::table roles;
    for (auto& [role, settings] : c.role_settings) {
      toml::table tbl;
      for (auto& [k, v] : settings)
        tbl.insert(k, v);
      roles.insert(role, std::move(tbl));
    }
    t.insert("roles", std::move(roles));
  }
  toml::array nodes;
  for (auto& n : c.nodes) {
    toml::table e{{"name", n.name}, {"roles", string_array(n.roles)}, {"host", n.host},
                  {"port", n.port}};
    if (!n.curve_public_key.empty()) {
      e.insert("curve_public_key", n.curve_public_key);
      e.insert("curve_secret_key", n.curve_secret_key);
    }
    if (!n.host_kind.empty())
      e.insert("host_kind", n.host_kind);
    if (!n.bus_host.empty())
      e.insert("bus_host", n.bus_host);
    if (n.host_index > 0)
      e.insert("host_index", n.host_index);
    nodes.push_back(std::move(e));
  }
  t.insert("node", std::move(nodes));
  write_file(file, t);
}

void write_node_config(const cluster_spec& c, const node_spec& n,
                       const std::filesystem::path& state_dir,
                       const std::filesystem::path& file) {
  toml::table node{{"name", n.name},
                   {"bus", n.bus()},
                   {"roles", string_array(n.roles)},
                   {"state_dir", state_dir.string()}};
  if (!n.curve_secret_key.empty()) {
    node.insert("curve_public_key", n.curve_public_key);
    node.insert("curve_secret_key", n.curve_secret_key);
    node.insert("curve_clients", string_array({c.operator_public_key}));
  }
  toml::table t;
  t.insert("node", std::move(node));
  // Role settings: the cluster's, plus what the launcher knows of the API.
  auto settings = c.role_settings;
  settings["gateway"].emplace("listen", c.api_host + ":" + std::to_string(c.api_port));
  settings["gateway"].emplace("public_url", c.api_url());
  settings["identity"].emplace("public_url", c.api_url());
  if (!c.admin_password_file.empty())
    settings["identity"].emplace("admin_password_file", c.admin_password_file.string());
  // Where the others are: every role hosted here learns, under the other
  // role's name, the first node that hosts it ("placement" =
  // "placement@ctl-1"), unless the cluster file says otherwise.
  for (auto& role : n.roles)
    for (auto& other : c.nodes)
      for (auto& hosted : other.roles)
        if (hosted != role)
          settings[role].emplace(hosted, hosted + "@" + other.name);
  // A namespaced node's network roles work in its namespace. The launcher's
  // values win: it made the namespace, the cluster file cannot know them.
  if (auto host = host_settings(c, n); !host.empty())
    for (const char* role : {"compute", "network-agent"})
      for (auto& [k, v] : host)
        settings[role][k] = v;
  // Its provider interface is only a default: a bridge_mappings the cluster
  // file gives (an interface of the user's own) wins.
  for (auto& [k, v] : provider_settings(c, n))
    settings["network-agent"].emplace(k, v);
  toml::table roles;
  for (auto& role : n.roles) {
    auto it = settings.find(role);
    if (it == settings.end())
      continue;
    toml::table tbl;
    for (auto& [k, v] : it->second)
      tbl.insert(k, v);
    roles.insert(role, std::move(tbl));
  }
  t.insert("roles", std::move(roles));
  t.insert("transport", toml::table{{"heartbeat_ms", c.heartbeat_ms}, {"liveness", c.liveness}});
  toml::array peers;
  for (auto& p : c.nodes) {
    if (p.name == n.name)
      continue;
    toml::table e{{"name", p.name}, {"bus", p.bus()}};
    if (!p.curve_public_key.empty())
      e.insert("curve_public_key", p.curve_public_key);
    peers.push_back(std::move(e));
  }
  t.insert("peer", std::move(peers));
  write_file(file, t);
}

cluster_spec load_state(const state_layout& s) {
  if (!std::filesystem::exists(s.cluster_file()))
    throw std::runtime_error("no cluster in " + s.root.string() +
                             " (start one with: stratus-launch up)");
  return load_cluster(s.cluster_file());
}

} // namespace stratus::tools
