#include "drivers/hypervisor/libvirt/domain_xml.hpp"

namespace stratus::hypervisor {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s)
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '\'': out += "&apos;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  return out;
}

namespace {

/// `name='value'`, escaped.
std::string attr(const std::string& name, const std::string& value) {
  return " " + name + "='" + xml_escape(value) + "'";
}

std::string element(const std::string& name, const std::string& text) {
  return "<" + name + ">" + xml_escape(text) + "</" + name + ">";
}

std::string serial_console(const guest_spec& spec) {
  const std::string log = spec.console_log.empty()
                              ? ""
                              : "<log" + attr("file", spec.console_log) + attr("append", "on") + "/>";
  if (spec.serial_port == 0)
    return "<serial type='pty'>" + log + "<target port='0'/></serial>"
           "<console type='pty'><target type='serial' port='0'/></console>";
  const std::string source = "<source mode='bind'" + attr("host", "127.0.0.1") +
                             attr("service", std::to_string(spec.serial_port)) + "/>";
  return "<serial type='tcp'>" + source + "<protocol type='raw'/>" + log +
         "<target port='0'/></serial><console type='tcp'>" + source +
         "<protocol type='raw'/><target type='serial' port='0'/></console>";
}

} // namespace

std::string guest_domain_xml(const guest_spec& spec, const std::string& type) {
  const bool test = type == "test";
  std::string xml = "<domain" + attr("type", type) + ">";
  xml += element("name", spec.name) + element("uuid", spec.uuid);
  xml += "<memory unit='MiB'>" + std::to_string(spec.memory_mb) + "</memory>";
  xml += "<vcpu>" + std::to_string(spec.vcpus) + "</vcpu>";
  xml += "<os><type arch='x86_64'>hvm</type>";
  if (!spec.kernel_path.empty()) {
    xml += element("kernel", spec.kernel_path);
    if (!spec.ramdisk_path.empty())
      xml += element("initrd", spec.ramdisk_path);
    xml += element("cmdline", spec.kernel_cmdline);
  }
  xml += "</os>";
  if (!test)
    xml += "<features><acpi/><apic/></features><on_poweroff>destroy</on_poweroff>"
           "<on_reboot>restart</on_reboot><on_crash>destroy</on_crash>";
  xml += "<devices>";
  if (!spec.disk_path.empty())
    xml += "<disk type='file' device='disk'><driver name='qemu'" + attr("type", spec.disk_format) +
           "/><source" + attr("file", spec.disk_path) + "/><target dev='vda' bus='virtio'/></disk>";
  if (!test) {
    for (auto& nic : spec.nics)
      xml += "<interface type='bridge'><mac" + attr("address", nic.mac) + "/><source" +
             attr("bridge", nic.bridge) + "/><target" + attr("dev", nic.tap) +
             "/><model type='virtio'/><mtu" + attr("size", std::to_string(nic.mtu)) +
             "/></interface>";
    xml += serial_console(spec);
    if (!spec.vnc_listen.empty())
      xml += "<graphics type='vnc' port='-1' autoport='yes'" + attr("listen", spec.vnc_listen) +
             "/><video><model type='cirrus'/></video>";
  }
  return xml + "</devices></domain>";
}

} // namespace stratus::hypervisor
