// Remote consoles: POST /servers/{server_id}/remote-consoles (2.6+) and the
// older os-getVNCConsole / os-getSerialConsole actions. The answer's URL
// carries a single-use token the console role issued for the console the
// server's host reports.
// https://docs.openstack.org/api-ref/compute/#create-remote-console
// https://docs.openstack.org/api-ref/compute/#get-vnc-console-os-getvncconsole-action-deprecated

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {
namespace {

/// Nova's checks common to both forms; the console to fetch, or the error.
compute_result console_of(const compute_call& c, const json& x, const std::string& protocol,
                          const std::string& type, bool legacy) {
  const bool known = (protocol == "vnc" && (type == "novnc" || type == "xvpvnc")) ||
                     (protocol == "serial" && type == "serial") ||
                     (protocol == "spice" && type == "spice-html5") ||
                     (protocol == "rdp" && type == "rdp-html5") || (protocol == "mks" && type == "webmks");
  if (!known)
    return api_error(msg::errc::invalid, "Invalid input for field/attribute type. Value: " + type);
  if (type != "novnc" && type != "serial")
    return api_error(msg::errc::invalid, "Unavailable console type " + type + ".");
  if (str(x, "vm_state") != "active" || str(x, "host").empty())
    return api_error(msg::errc::conflict, "Instance " + str(x, "uuid") + " is not ready");
  (void)c;
  compute_result r;
  r.console = console_request{str(x, "host"), str(x, "uuid"), protocol, type, legacy};
  return r;
}

} // namespace

compute_result legacy_console_action(const compute_call& c, const json& instance,
                                     const std::string& key, const json& value) {
  if (!value.is_object() || !value.contains("type"))
    return api_error(msg::errc::invalid, "Invalid input for field/attribute " + key + ".");
  const auto protocol = key == "os-getVNCConsole" ? "vnc" : "serial";
  return console_of(c, instance, protocol, str(value, "type"), true);
}

void compute_api::add_console_operations() {
  add("os_compute_api:os-remote-consoles", [](compute_call& c) -> compute_result {
    if (!c.at_least(6))
      return api_error(msg::errc::not_found, "The resource could not be found.");
    compute_result missing;
    const json* x = path_server(c, missing);
    if (!x)
      return missing;
    const json body = c.call.body.value("remote_console", json());
    if (!body.is_object() || !body["protocol"].is_string() || !body["type"].is_string())
      return api_error(msg::errc::invalid, "Invalid input for field/attribute remote_console.");
    return console_of(c, *x, str(body, "protocol"), str(body, "type"), false);
  });
}

} // namespace stratus::compute
