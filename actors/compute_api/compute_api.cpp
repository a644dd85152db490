#include "actors/compute_api/compute_api.hpp"

#include <cctype>
#include <ctime>

namespace stratus::compute {

compute_api::compute_api(compute_catalog& catalog, compute_settings settings)
    : catalog_(catalog), settings_(std::move(settings)) {
  add_flavor_operations();
  add_interface_operations();
  add_console_operations();
  add_keypair_operations();
  add_server_group_operations();
  add_quota_operations();
  add_server_operations();
  add_server_action_operations();
  add_host_operations();
  add_security_group_operations();
}

const api_support::microversion_range& compute_api::versions() {
  static const api_support::microversion_range range{"compute", 2, 1, max_minor,
                                                     "x-openstack-nova-api-version"};
  return range;
}

void compute_api::add(const std::string& name, op f) {
  ops_[name] = [this, f = std::move(f)](api_support::api_call& call) {
    compute_call c{call, minor_, *cell_};
    return f(c);
  };
}

cell_needs compute_api::needs(const msg::context&, const msg::api_call_request& req) const {
  cell_needs n;
  const auto& op = req.operation;
  auto starts = [&](const char* prefix) { return op.rfind(prefix, 0) == 0; };
  if (msg::find_value(req.path, "server_id"))
    n.server = true;
  if (op == "os_compute_api:servers:index" || op == "os_compute_api:servers:detail")
    n.project_servers = true;
  if (starts("os_compute_api:os-attach-interfaces"))
    n.networks = true;
  // Nova's security-group proxy, and the groups a server shows (from its ports).
  if (starts("os_compute_api:os-security-groups")) {
    n.security_groups = true;
    n.ports = op == "os_compute_api:os-security-groups:list";
  }
  if (op == "os_compute_api:servers:show" || op == "os_compute_api:servers:detail")
    n.ports = n.security_groups = n.floating_ips = true;
  if (op == "os_compute_api:ips:index")
    n.ports = n.floating_ips = true;
  if (op == "os_compute_api:servers:action") {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_object() && (body.contains("addSecurityGroup") || body.contains("removeSecurityGroup")))
      n.ports = n.security_groups = true;
  }
  if (op == "os_compute_api:servers:create") {
    n.usage = true;
    n.hosts = true;
  }
  if (op == "os_compute_api:limits" || op == "os_compute_api:os-quota-sets:detail")
    n.usage = true;
  if (starts("os_compute_api:os-hypervisors")) {
    n.hosts = true;
    n.all_servers = true;
  }
  if (starts("os_compute_api:os-services") || starts("os_compute_api:os-availability-zone"))
    n.hosts = true;
  if (starts("os_compute_api:os-instance-actions"))
    n.actions = true;
  if (op == "os_compute_api:servers:create") {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_object() && body.contains("server") && body["server"].is_object())
      if (auto ref = body["server"].find("imageRef"); ref != body["server"].end() && ref->is_string())
        n.image_id = image_id_of(ref->get<std::string>());
    if (body.is_object() && body.contains("server") && body["server"].is_object())
      n.networks = body["server"].value("networks", json()) != json("none");
    if (body.is_object() && body.contains("server") && body["server"].is_object())
      n.security_groups = body["server"].contains("security_groups");
  }
  return n;
}

compute_result compute_api::handle(const msg::context& ctx, const msg::api_call_request& req,
                                   const cell_view& cell, int64_t now) {
  api_support::api_call probe{ctx, req, nullptr, "", now};
  const auto version = api_support::negotiate(probe, versions());
  compute_result r;
  if (version.status == 406) {
    r.reply.status = 406;
    r.reply.body = json{{"computeFault", {{"code", 406}, {"message", version.message}}}}.dump();
  } else if (version.status != 0) {
    r = api_error(msg::errc::invalid, version.message);
  } else {
    minor_ = version.minor;
    cell_ = &cell;
    r = ops_.run(ctx, req, req.base_url + "/compute", now);
    cell_ = nullptr;
  }
  const auto text = version.status ? std::string{"2.1"} : version.text(versions());
  r.reply.headers.push_back({"openstack-api-version", "compute " + text});
  r.reply.headers.push_back({"x-openstack-nova-api-version", text});
  r.reply.headers.push_back({"vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"});
  r.reply.headers.push_back({"x-compute-request-id", ctx.request_id});
  return r;
}

std::optional<bool> boolean_of(const json& value) {
  if (value.is_boolean())
    return value.get<bool>();
  if (!value.is_string())
    return std::nullopt;
  std::string v = value.get<std::string>();
  for (auto& ch : v)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* yes : {"true", "1", "yes", "on", "t", "y"})
    if (v == yes)
      return true;
  for (const char* no : {"false", "0", "no", "off", "f", "n"})
    if (v == no)
      return false;
  return std::nullopt;
}

std::string image_id_of(const std::string& ref) {
  return ref.substr(ref.find_last_of('/') + 1); // a bare id, or a URL ending in one
}

compute_result accepted() {
  compute_result r;
  r.reply.status = 202;
  return r;
}

const json* path_server(compute_call& c, compute_result& missing) {
  const auto id = c.call.path("server_id");
  for (auto& s : c.cell.servers)
    if (str(s, "uuid") == id && !s.value("deleted", false)) {
      // Another project's server is not there for a non-admin.
      if (!c.admin() && str(s, "project_id") != c.call.ctx.caller.project_id)
        break;
      return &s;
    }
  missing = api_error(msg::errc::not_found, "Instance " + id + " could not be found.");
  return nullptr;
}

std::string query(const compute_call& c, const std::string& name) {
  auto v = c.call.query(name);
  return v ? *v : std::string{};
}

std::string nova_time(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace stratus::compute
