#include "actors/compute/guest_definition.hpp"

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/common/json_fields.hpp"
#include "actors/network/mechanism_driver.hpp"

namespace stratus::compute {

using json = nlohmann::json;
using json_fields::str;

json guest_definition(const json& instance, const json& ports, const guest_places& places,
                      bool real) {
  const json flavor = instance.value("flavor", json::object());
  const auto uuid = str(instance, "uuid");
  json g{{"uuid", uuid},
         {"name", str(instance, "instance_name")},
         {"vcpus", std::max<uint64_t>(1, json_fields::count(flavor, "vcpus"))},
         {"memory_mb", std::max<uint64_t>(1, json_fields::count(flavor, "ram"))}};
  if (!real)
    return g;
  const auto dir = places.instances / uuid;
  const json image = instance.value("image_meta", json::object());
  if (const auto ref = str(instance, "image_ref"); !ref.empty()) {
    g["base_image"] = (places.image_cache / ref).string();
    g["base_format"] = str(image, "disk_format") == "qcow2" ? "qcow2" : "raw";
    g["disk_path"] = (dir / "disk").string();
  }
  if (const auto kernel = str(image, "kernel_id"); !kernel.empty()) {
    g["kernel_path"] = (places.image_cache / kernel).string();
    if (const auto ramdisk = str(image, "ramdisk_id"); !ramdisk.empty())
      g["ramdisk_path"] = (places.image_cache / ramdisk).string();
    // Nova's default for direct kernel boot, unless the image says otherwise.
    const auto cmdline = str(image, "os_command_line");
    g["kernel_cmdline"] = cmdline.empty() ? "root=/dev/vda console=tty0 console=ttyS0" : cmdline;
  }
  json nics = json::array();
  for (auto& p : ports)
    nics.push_back({{"bridge", network::bridge_name(str(p, "network_id"))},
                    {"tap", network::tap_name(str(p, "id"))},
                    {"mac", str(p, "mac_address")},
                    {"mtu", p.value("mtu", 1500)}});
  g["nics"] = nics;
  g["console_log"] = (dir / "console.log").string();
  g["serial_port"] = places.serial_port;
  g["vnc_listen"] = places.vnc_listen;
  g["definition_copy"] = (dir / "libvirt.xml").string();
  return g;
}

uint16_t free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

} // namespace stratus::compute
