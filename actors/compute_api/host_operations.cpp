// Hypervisors, compute services and availability zones: the compute hosts
// as the compute-conductor knows them, with what their instances use.
// https://docs.openstack.org/api-ref/compute/#hypervisors-os-hypervisors
// https://docs.openstack.org/api-ref/compute/#compute-services-os-services
// https://docs.openstack.org/api-ref/compute/#availability-zones-os-availability-zone

#include <set>

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

struct host_usage {
  uint64_t vcpus = 0, memory_mb = 0, disk_gb = 0, running = 0;
};

std::map<std::string, host_usage> usage_by_host(const cell_view& cell) {
  std::map<std::string, host_usage> out;
  for (auto& s : cell.servers) {
    if (s.value("deleted", false) || str(s, "host").empty())
      continue;
    auto& u = out[str(s, "host")];
    const json f = s.value("flavor", json::object());
    u.vcpus += count(f, "vcpus");
    u.memory_mb += count(f, "ram");
    u.disk_gb += count(f, "disk") + count(f, "ephemeral");
    u.running += 1;
  }
  return out;
}

json hypervisor_id(const compute_call& c, const json& h) {
  return c.at_least(53) ? json(str(h, "provider_uuid")) : json(h.value("id", 0));
}

json service_id(const compute_call& c, const json& h) {
  return c.at_least(53) ? json(str(h, "uuid")) : json(h.value("id", 0));
}

json render_hypervisor(const compute_call& c, const json& h, const host_usage& u, bool detail) {
  const json hv = h.value("hypervisor", json::object());
  json out{{"id", hypervisor_id(c, h)},
           {"hypervisor_hostname", str(h, "host")},
           {"state", h.value("up", false) ? "up" : "down"},
           {"status", h.value("status", "enabled")}};
  if (!detail)
    return out;
  const uint64_t memory = count(hv, "memory_mb"), disk = count(hv, "disk_gb");
  out["vcpus"] = count(hv, "vcpus");
  out["memory_mb"] = memory;
  out["local_gb"] = disk;
  out["vcpus_used"] = u.vcpus;
  out["memory_mb_used"] = u.memory_mb;
  out["local_gb_used"] = u.disk_gb;
  out["free_ram_mb"] = static_cast<int64_t>(memory) - static_cast<int64_t>(u.memory_mb);
  out["free_disk_gb"] = static_cast<int64_t>(disk) - static_cast<int64_t>(u.disk_gb);
  out["current_workload"] = 0;
  out["running_vms"] = u.running;
  out["disk_available_least"] = static_cast<int64_t>(disk) - static_cast<int64_t>(u.disk_gb);
  out["host_ip"] = hv.value("host_ip", "127.0.0.1");
  out["hypervisor_type"] = hv.value("hypervisor_type", "");
  out["hypervisor_version"] = hv.value("hypervisor_version", 0);
  const json cpu{{"arch", hv.value("cpu_arch", "x86_64")}, {"model", hv.value("cpu_model", "")},
                 {"vendor", "unknown"}, {"topology", {{"cores", count(hv, "vcpus")}, {"threads", 1}, {"sockets", 1}}},
                 {"features", json::array()}};
  out["cpu_info"] = c.at_least(28) ? cpu : json(cpu.dump()); // an object since 2.28
  out["service"] = {{"host", str(h, "host")}, {"id", service_id(c, h)},
                    {"disabled_reason", h.value("disabled_reason", json())}};
  return out;
}

json render_service(const compute_call& c, const json& h) {
  json out{{"id", service_id(c, h)},
           {"binary", h.value("binary", "nova-compute")},
           {"host", str(h, "host")},
           {"zone", h.value("zone", "nova")},
           {"status", h.value("status", "enabled")},
           {"state", h.value("up", false) ? "up" : "down"},
           {"updated_at", h.value("last_seen_up", h.value("updated_at", json()))},
           {"disabled_reason", h.value("disabled_reason", json())}};
  if (c.at_least(11))
    out["forced_down"] = h.value("forced_down", false);
  return out;
}

const json* host_by_hypervisor_id(const compute_call& c, const std::string& id) {
  for (auto& h : c.cell.hosts)
    if ((c.at_least(53) && str(h, "provider_uuid") == id) ||
        (!c.at_least(53) && std::to_string(h.value("id", 0)) == id))
      return &h;
  return nullptr;
}

} // namespace

void compute_api::add_host_operations() {
  auto list = [](compute_call& c, bool detail) -> compute_result {
    const auto usage = usage_by_host(c.cell);
    const auto pattern = query(c, "hypervisor_hostname_pattern");
    json out = json::array();
    for (auto& h : c.cell.hosts) {
      if (!pattern.empty() && str(h, "host").find(pattern) == std::string::npos)
        continue;
      auto u = usage.find(str(h, "host"));
      out.push_back(render_hypervisor(c, h, u == usage.end() ? host_usage{} : u->second, detail));
    }
    if (!pattern.empty() && out.empty())
      return api_error(msg::errc::not_found, "No hypervisor matching '" + pattern + "' could be found.");
    return api_json(200, {{"hypervisors", out}});
  };
  add("os_compute_api:os-hypervisors:list", [list](compute_call& c) { return list(c, false); });
  add("os_compute_api:os-hypervisors:list-detail", [list](compute_call& c) { return list(c, true); });
  add("os_compute_api:os-hypervisors:show", [](compute_call& c) -> compute_result {
    const json* h = host_by_hypervisor_id(c, c.call.path("hypervisor_id"));
    if (!h)
      return api_error(msg::errc::not_found, "Hypervisor with ID " + c.call.path("hypervisor_id") +
                                                 " could not be found.");
    const auto usage = usage_by_host(c.cell);
    auto u = usage.find(str(*h, "host"));
    return api_json(200, {{"hypervisor", render_hypervisor(c, *h, u == usage.end() ? host_usage{} : u->second, true)}});
  });
  add("os_compute_api:os-hypervisors:uptime", [](compute_call& c) -> compute_result {
    const json* h = host_by_hypervisor_id(c, c.call.path("hypervisor_id"));
    if (!h)
      return api_error(msg::errc::not_found, "Hypervisor with ID " + c.call.path("hypervisor_id") +
                                                 " could not be found.");
    json out = render_hypervisor(c, *h, host_usage{}, false);
    // What `uptime` prints on the host; the node's time since it first reported.
    out["uptime"] = " " + nova_time(c.call.now).substr(11, 8) + " up, 1 user, load average: 0.00, 0.00, 0.00";
    return api_json(200, {{"hypervisor", out}});
  });
  // Before 2.53: GET /os-hypervisors/{pattern}/search and …/{pattern}/servers.
  auto matching = [](compute_call& c, bool servers) -> compute_result {
    if (c.at_least(53))
      return api_error(msg::errc::not_found, "The resource could not be found.");
    const auto pattern = c.call.path("hypervisor_id");
    json out = json::array();
    for (auto& h : c.cell.hosts) {
      if (str(h, "host").find(pattern) == std::string::npos)
        continue;
      json shown = render_hypervisor(c, h, host_usage{}, false);
      if (servers) {
        json list = json::array();
        for (auto& s : c.cell.servers)
          if (!s.value("deleted", false) && str(s, "host") == str(h, "host"))
            list.push_back({{"uuid", str(s, "uuid")}, {"name", str(s, "instance_name")}});
        if (!list.empty())
          shown["servers"] = list;
      }
      out.push_back(shown);
    }
    if (out.empty())
      return api_error(msg::errc::not_found, "No hypervisor matching '" + pattern + "' could be found.");
    return api_json(200, {{"hypervisors", out}});
  };
  add("os_compute_api:os-hypervisors:search", [matching](compute_call& c) { return matching(c, false); });
  add("os_compute_api:os-hypervisors:servers", [matching](compute_call& c) { return matching(c, true); });
  add("os_compute_api:os-hypervisors:statistics", [](compute_call& c) -> compute_result {
    const auto usage = usage_by_host(c.cell);
    json s{{"count", 0}, {"vcpus", 0}, {"memory_mb", 0}, {"local_gb", 0}, {"vcpus_used", 0},
           {"memory_mb_used", 0}, {"local_gb_used", 0}, {"free_ram_mb", 0}, {"free_disk_gb", 0},
           {"current_workload", 0}, {"running_vms", 0}, {"disk_available_least", 0}};
    for (auto& h : c.cell.hosts) {
      auto u = usage.find(str(h, "host"));
      json one = render_hypervisor(c, h, u == usage.end() ? host_usage{} : u->second, true);
      s["count"] = s["count"].get<int64_t>() + 1;
      for (const char* k : {"vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                            "local_gb_used", "free_ram_mb", "free_disk_gb", "running_vms",
                            "disk_available_least"})
        s[k] = s[k].get<int64_t>() + one[k].get<int64_t>();
    }
    return api_json(200, {{"hypervisor_statistics", s}});
  });

  add("os_compute_api:os-services:list", [](compute_call& c) -> compute_result {
    const auto host = query(c, "host");
    const auto binary = query(c, "binary");
    json out = json::array();
    for (auto& h : c.cell.hosts) {
      if ((!host.empty() && str(h, "host") != host) ||
          (!binary.empty() && h.value("binary", "nova-compute") != binary))
        continue;
      out.push_back(render_service(c, h));
    }
    return api_json(200, {{"services", out}});
  });

  add("os_compute_api:os-services:update", [](compute_call& c) -> compute_result {
    const auto id = c.call.path("service_id");
    const json& body = c.call.body;
    json changes = json::object();
    const json* h = nullptr;
    if (c.at_least(53)) {
      for (auto& x : c.cell.hosts)
        if (str(x, "uuid") == id)
          h = &x;
      if (!h)
        return api_error(msg::errc::not_found, "Service " + id + " not found.");
      if (!body.is_object() || body.empty())
        return api_error(msg::errc::invalid, "Invalid input: status, disabled_reason or forced_down expected.");
      if (body.contains("status")) {
        const auto status = str(body, "status");
        if (status != "enabled" && status != "disabled")
          return api_error(msg::errc::invalid, "Invalid input for field/attribute status. Value: " + body["status"].dump());
        changes["status"] = status;
        changes["disabled_reason"] = status == "disabled" ? body.value("disabled_reason", json()) : json();
      } else if (body.contains("disabled_reason")) {
        return api_error(msg::errc::invalid, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
      }
      if (body.contains("forced_down")) {
        if (!body["forced_down"].is_boolean())
          return api_error(msg::errc::invalid, "Invalid input for field/attribute forced_down.");
        changes["forced_down"] = body["forced_down"];
      }
    } else {
      // Before 2.53: PUT /os-services/{disable|enable|disable-log-reason|force-down}
      // with {"host", "binary"}.
      for (auto& x : c.cell.hosts)
        if (str(x, "host") == str(body, "host"))
          h = &x;
      if (id != "enable" && id != "disable" && id != "disable-log-reason" && id != "force-down")
        return api_error(msg::errc::not_found, "Unknown action");
      if (!h || body.value("binary", "nova-compute") != "nova-compute")
        return api_error(msg::errc::not_found, "Host '" + str(body, "host") + "' is not a compute host.");
      if (id == "enable")
        changes = {{"status", "enabled"}, {"disabled_reason", nullptr}};
      else if (id == "disable")
        changes = {{"status", "disabled"}};
      else if (id == "disable-log-reason")
        changes = {{"status", "disabled"}, {"disabled_reason", body.value("disabled_reason", json())}};
      else
        changes = {{"forced_down", body.value("forced_down", false)}};
    }
    json after = *h;
    for (auto& [k, v] : changes.items())
      after[k] = v;
    if (after.value("forced_down", false))
      after["up"] = false;
    compute_result r;
    if (c.at_least(53)) {
      r = api_json(200, {{"service", render_service(c, after)}});
    } else {
      json shown{{"host", str(after, "host")}, {"binary", "nova-compute"}};
      if (id == "force-down")
        shown["forced_down"] = after.value("forced_down", false);
      else
        shown["status"] = after.value("status", "enabled");
      if (id == "disable-log-reason")
        shown["disabled_reason"] = after.value("disabled_reason", json());
      r = api_json(200, {{"service", shown}});
    }
    r.host_update = msg::update_host_request{str(*h, "host"), changes.dump()};
    return r;
  });

  add("os_compute_api:os-availability-zone:list", [](compute_call& c) -> compute_result {
    std::map<std::string, bool> zones;
    for (auto& h : c.cell.hosts)
      zones[h.value("zone", "nova")] |= h.value("up", false) && h.value("status", "") == "enabled";
    json out = json::array();
    for (auto& [zone, available] : zones)
      out.push_back({{"zoneName", zone}, {"zoneState", {{"available", available}}}, {"hosts", nullptr}});
    return api_json(200, {{"availabilityZoneInfo", out}});
  });
  add("os_compute_api:os-availability-zone:detail", [](compute_call& c) -> compute_result {
    std::map<std::string, json> zones;
    for (auto& h : c.cell.hosts) {
      auto& z = zones[h.value("zone", "nova")];
      if (z.is_null())
        z = {{"zoneName", h.value("zone", "nova")}, {"zoneState", {{"available", false}}}, {"hosts", json::object()}};
      const bool up = h.value("up", false), enabled = h.value("status", "") == "enabled";
      z["hosts"][str(h, "host")] = {{"nova-compute", {{"available", up}, {"active", enabled},
                                                      {"updated_at", h.value("last_seen_up", json())}}}};
      if (up && enabled)
        z["zoneState"]["available"] = true;
    }
    json out = json::array();
    for (auto& [name, z] : zones)
      out.push_back(z);
    return api_json(200, {{"availabilityZoneInfo", out}});
  });
}

} // namespace stratus::compute
