#include "actors/compute_api/server_view.hpp"

#include <openssl/evp.h>

#include "actors/compute/server_actions.hpp"

namespace stratus::compute {
namespace {

/// sha224(project_id + host), hex: hosts told apart without being named.
std::string host_id(const std::string& project, const std::string& host) {
  if (host.empty())
    return {};
  const std::string text = project + host;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha224(), nullptr);
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

json nullable(const json& record, const char* key) {
  auto it = record.find(key);
  return it == record.end() ? json() : *it;
}

} // namespace

json server_links(const compute_call& c, const std::string& uuid) {
  const std::string base = c.call.req.base_url + "/compute";
  return json::array({{{"rel", "self"}, {"href", base + "/v2.1/servers/" + uuid}},
                      {{"rel", "bookmark"}, {"href", base + "/servers/" + uuid}}});
}

json server_summary(const compute_call& c, const json& x) {
  const std::string uuid = str(x, "uuid");
  return {{"id", uuid}, {"name", str(x, "display_name")}, {"links", server_links(c, uuid)}};
}

json server_detail(const compute_call& c, const json& x) {
  const std::string uuid = str(x, "uuid");
  const std::string base = c.call.req.base_url + "/compute";
  const std::string vm = str(x, "vm_state"), task = str(x, "task_state");
  const std::string status = server_status(vm, task);
  json s = server_summary(c, x);
  s["status"] = status;
  s["tenant_id"] = str(x, "project_id");
  s["user_id"] = str(x, "user_id");
  s["metadata"] = x.value("metadata", json::object());
  s["hostId"] = host_id(str(x, "project_id"), str(x, "host"));
  const std::string image = str(x, "image_ref");
  s["image"] = image.empty() ? json("")
                             : json{{"id", image},
                                    {"links", json::array({{{"rel", "bookmark"},
                                                            {"href", base + "/images/" + image}}})}};
  const json f = x.value("flavor", json::object());
  if (c.at_least(47)) {
    s["flavor"] = {{"vcpus", count(f, "vcpus")},
                   {"ram", count(f, "ram")},
                   {"disk", count(f, "disk")},
                   {"ephemeral", count(f, "ephemeral")},
                   {"swap", count(f, "swap")},
                   {"original_name", str(f, "name")},
                   {"extra_specs", f.value("extra_specs", json::object())}};
  } else {
    s["flavor"] = {{"id", str(f, "id")},
                   {"links", json::array({{{"rel", "bookmark"},
                                           {"href", base + "/flavors/" + str(f, "id")}}})}};
  }
  s["created"] = str(x, "created_at");
  s["updated"] = str(x, "updated_at");
  s["addresses"] = server_addresses(c, x);
  s["accessIPv4"] = x.value("access_ipv4", "");
  s["accessIPv6"] = x.value("access_ipv6", "");
  s["OS-DCF:diskConfig"] = "MANUAL";
  if (status == "ACTIVE" || status == "BUILD")
    s["progress"] = status == "ACTIVE" ? 100 : 0;
  s["OS-EXT-AZ:availability_zone"] = x.value("availability_zone", "nova");
  s["config_drive"] = x.value("config_drive", false) ? "True" : "";
  s["key_name"] = nullable(x, "key_name");
  s["OS-SRV-USG:launched_at"] = nullable(x, "launched_at");
  s["OS-SRV-USG:terminated_at"] = nullable(x, "terminated_at");
  s["OS-EXT-STS:task_state"] = task.empty() ? json() : json(task);
  s["OS-EXT-STS:vm_state"] = vm;
  s["OS-EXT-STS:power_state"] = x.value("power_state", 0);
  s["os-extended-volumes:volumes_attached"] = json::array();
  // The groups of the server's ports, when they were asked for (Nova
  // shows the key only for a server whose ports have groups).
  if (auto groups = server_security_group_names(c, str(x, "uuid"))) {
    if (!groups->empty())
      s["security_groups"] = *groups;
  } else if (x.value("networks", json("none")) != json("none")) {
    s["security_groups"] = json::array({{{"name", "default"}}});
  }
  if (c.admin()) {
    s["OS-EXT-SRV-ATTR:host"] = nullable(x, "host");
    s["OS-EXT-SRV-ATTR:instance_name"] = str(x, "instance_name");
    s["OS-EXT-SRV-ATTR:hypervisor_hostname"] = nullable(x, "node");
    if (c.at_least(3)) {
      s["OS-EXT-SRV-ATTR:reservation_id"] = str(x, "reservation_id");
      s["OS-EXT-SRV-ATTR:launch_index"] = x.value("launch_index", 0);
      s["OS-EXT-SRV-ATTR:hostname"] = str(x, "hostname");
      const json meta = x.value("image_meta", json::object());
      s["OS-EXT-SRV-ATTR:kernel_id"] = meta.value("kernel_id", json("")).is_string()
                                           ? meta.value("kernel_id", json("")) : json("");
      s["OS-EXT-SRV-ATTR:ramdisk_id"] = meta.value("ramdisk_id", json("")).is_string()
                                            ? meta.value("ramdisk_id", json("")) : json("");
      s["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda";
      s["OS-EXT-SRV-ATTR:user_data"] = nullable(x, "user_data");
    }
  }
  if (c.at_least(9))
    s["locked"] = x.value("locked", false);
  if (c.at_least(73))
    s["locked_reason"] = nullable(x, "locked_reason");
  if (c.at_least(19))
    s["description"] = nullable(x, "display_description");
  if (c.at_least(26))
    s["tags"] = x.value("tags", json::array());
  if (c.at_least(63))
    s["trusted_image_certificates"] = nullptr;
  if (c.at_least(71))
    s["server_groups"] = x.contains("server_group") && x["server_group"].is_string()
                             ? json::array({x["server_group"]})
                             : json::array();
  if ((status == "ERROR" || status == "DELETED") && x.contains("fault") && x["fault"].is_object()) {
    const json& fault = x["fault"];
    json shown{{"code", fault.value("code", 500)},
               {"created", fault.value("created", "")},
               {"message", fault.value("message", "")}};
    // Nova shows the details of a 500 fault to admins only.
    if (c.admin() || fault.value("code", 500) != 500)
      shown["details"] = fault.value("details", "");
    s["fault"] = shown;
  }
  return s;
}

} // namespace stratus::compute
