#include "runtime/node_config.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace stratus::runtime {
namespace {

std::string scalar_text(const toml::node& v) {
  if (auto s = v.value<std::string>())
    return *s;
  if (v.is_boolean())
    return *v.value<bool>() ? "true" : "false";
  if (auto i = v.value<int64_t>())
    return std::to_string(*i);
  if (auto d = v.value<double>())
    return std::to_string(*d);
  return {};
}

template <class T>
T get_or(const toml::table& t, std::string_view section, std::string_view key, T fallback) {
  return t[section][key].value_or(fallback);
}

} // namespace

node_config parse_node_config(const std::string& text, const std::string& origin) {
  toml::table t;
  try {
    t = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << origin << ":" << e.source().begin.line << ": " << e.description();
    throw config_error(out.str());
  }
  node_config cfg;
  auto fail = [&](const std::string& what) { throw config_error(origin + ": " + what); };

  cfg.name = get_or<std::string>(t, "node", "name", "");
  if (cfg.name.empty() || cfg.name.find_first_of("@/ ") != std::string::npos)
    fail("[node] name must be set and may not contain '@', '/' or spaces");
  cfg.bus = get_or<std::string>(t, "node", "bus", "");
  cfg.state_dir = get_or<std::string>(t, "node", "state_dir", "var/" + cfg.name);
  cfg.log_level = get_or<std::string>(t, "node", "log_level", "info");
  cfg.workers = static_cast<int>(get_or<int64_t>(t, "node", "workers", 1));
  cfg.scheduler = get_or<std::string>(t, "node", "scheduler", "sharing");
  if (cfg.scheduler != "sharing" && cfg.scheduler != "stealing")
    fail("[node] scheduler must be \"sharing\" or \"stealing\"");
  cfg.curve_public_key = get_or<std::string>(t, "node", "curve_public_key", "");
  cfg.curve_secret_key = get_or<std::string>(t, "node", "curve_secret_key", "");
  if (auto keys = t["node"]["curve_clients"].as_array())
    for (auto& k : *keys)
      if (auto key = k.value<std::string>())
        cfg.curve_clients.push_back(*key);
  if (auto roles = t["node"]["roles"].as_array()) {
    for (auto& r : *roles) {
      auto name = r.value<std::string>();
      if (!name)
        fail("[node] roles must be a list of strings");
      cfg.roles.push_back(*name);
    }
  }
  if (!cfg.roles.empty() && cfg.bus.empty())
    fail("[node] bus is required for a node that hosts roles");

  cfg.heartbeat = std::chrono::milliseconds{get_or<int64_t>(t, "transport", "heartbeat_ms", 1000)};
  cfg.liveness = static_cast<int>(get_or<int64_t>(t, "transport", "liveness", 3));
  if (cfg.heartbeat.count() <= 0 || cfg.liveness <= 0)
    fail("[transport] heartbeat_ms and liveness must be positive");

  auto& sv = cfg.supervision;
  sv.max_restarts = static_cast<int>(get_or<int64_t>(t, "supervisor", "max_restarts", 5));
  sv.window = std::chrono::milliseconds{get_or<int64_t>(t, "supervisor", "window_ms", 30000)};
  sv.backoff_initial =
    std::chrono::milliseconds{get_or<int64_t>(t, "supervisor", "backoff_initial_ms", 100)};
  sv.backoff_max =
    std::chrono::milliseconds{get_or<int64_t>(t, "supervisor", "backoff_max_ms", 10000)};

  if (auto roles = t["roles"].as_table()) {
    for (auto&& [role, section] : *roles) {
      auto tbl = section.as_table();
      if (!tbl)
        fail("[roles." + std::string{role.str()} + "] must be a table");
      for (auto&& [k, v] : *tbl)
        cfg.settings[std::string{role.str()}][std::string{k.str()}] = scalar_text(v);
    }
  }

  if (auto peers = t["peer"].as_array()) {
    for (auto& p : *peers) {
      auto tbl = p.as_table();
      if (!tbl)
        fail("[[peer]] entries must be tables");
      peer_endpoint ep;
      ep.node = (*tbl)["name"].value_or(std::string{});
      ep.endpoint = (*tbl)["bus"].value_or(std::string{});
      ep.curve_public_key = (*tbl)["curve_public_key"].value_or(std::string{});
      if (ep.node.empty() || ep.endpoint.empty())
        fail("every [[peer]] needs a name and a bus address");
      if (ep.node != cfg.name)
        cfg.peers.push_back(std::move(ep));
    }
  }
  return cfg;
}

node_config load_node_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw config_error("cannot read the config file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_node_config(text.str(), file.string());
}

} // namespace stratus::runtime
