#include "drivers/hypervisor/libvirt/libvirt_driver.hpp"
#include "drivers/hypervisor/kvm_support.hpp"
#include "drivers/hypervisor/libvirt/domain_xml.hpp"

#include <fstream>
#include <string>
#include <mutex>
#include <utility>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

namespace stratus::hypervisor {
namespace {

/// libvirt prints every error to stderr unless told otherwise; the driver
/// reports them through exceptions instead.
void silence_libvirt_once() {
  static std::once_flag once;
  std::call_once(once, [] { virSetErrorFunc(nullptr, [](void*, virErrorPtr) {}); });
}

[[noreturn]] void fail(const std::string& what) {
  const char* why = virGetLastErrorMessage();
  throw hypervisor_error(what + ": " + (why ? why : "unknown libvirt error"));
}

power_state from_libvirt(int state, bool saved) {
  switch (state) {
  case VIR_DOMAIN_RUNNING:
  case VIR_DOMAIN_BLOCKED: // running, waiting for I/O
    return power_state::running;
  case VIR_DOMAIN_PAUSED:
    return power_state::paused;
  case VIR_DOMAIN_SHUTDOWN:
  case VIR_DOMAIN_SHUTOFF:
    return saved ? power_state::suspended : power_state::shutdown;
  case VIR_DOMAIN_CRASHED:
    return power_state::crashed;
  case VIR_DOMAIN_PMSUSPENDED:
    return power_state::suspended;
  default:
    return power_state::nostate;
  }
}

/// An owned virDomainPtr.
struct domain {
  virDomainPtr ptr = nullptr;
  explicit domain(virDomainPtr p) : ptr(p) {}
  domain(domain&& other) noexcept : ptr(std::exchange(other.ptr, nullptr)) {}
  domain(const domain&) = delete;
  domain& operator=(const domain&) = delete;
  ~domain() {
    if (ptr)
      virDomainFree(ptr);
  }
};

/// The value of `name` in the first element of `xml` that starts with
/// `element` ("" if there is none); libvirt writes attributes in single quotes.
std::string attribute_of(const std::string& xml, const std::string& element,
                         const std::string& name) {
  const auto start = xml.find(element);
  if (start == std::string::npos)
    return "";
  const auto end = xml.find('>', start);
  const auto at = xml.find(" " + name + "='", start);
  if (at == std::string::npos || at > end)
    return "";
  const auto from = at + name.size() + 3;
  return xml.substr(from, xml.find('\'', from) - from);
}

class libvirt_driver final : public hypervisor_driver {
public:
  explicit libvirt_driver(const std::string& uri) {
    silence_libvirt_once();
    conn_ = virConnectOpen(uri.c_str());
    if (!conn_)
      fail("cannot connect to " + uri);
    const char* type = virConnectGetType(conn_);
    type_ = type ? type : "";
  }
  ~libvirt_driver() override {
    virConnectClose(conn_);
  }

  host_info host() override {
    virNodeInfo ni{};
    if (virNodeGetInfo(conn_, &ni) < 0)
      fail("virNodeGetInfo");
    host_info h;
    if (char* name = virConnectGetHostname(conn_)) {
      h.hostname = name;
      free(name);
    }
    h.hypervisor_type = type_ == "Test" ? "TEST" : type_;
    unsigned long version = 0;
    virConnectGetVersion(conn_, &version);
    h.hypervisor_version = version;
    h.cpu_model = ni.model;
    h.vcpus = ni.cpus;
    h.memory_mb = ni.memory / 1024;
    return h;
  }

  void spawn(const guest_spec& spec) override {
    domain existing{virDomainLookupByUUIDString(conn_, spec.uuid.c_str())};
    virDomainPtr d = existing.ptr;
    domain defined{nullptr};
    if (!d) {
      const auto xml = domain_xml(spec);
      if (!spec.definition_copy.empty())
        std::ofstream(spec.definition_copy, std::ios::trunc) << xml << "\n";
      defined.ptr = virDomainDefineXML(conn_, xml.c_str());
      if (!defined.ptr)
        fail("defining " + spec.name);
      d = defined.ptr;
    }
    int state = 0, reason = 0;
    if (virDomainGetState(d, &state, &reason, 0) < 0)
      fail("reading the state of " + spec.name);
    if (state != VIR_DOMAIN_RUNNING && virDomainCreate(d) < 0)
      fail("starting " + spec.name);
  }

  void destroy(const std::string& uuid) override {
    domain d{virDomainLookupByUUIDString(conn_, uuid.c_str())};
    if (!d.ptr)
      return;
    if (virDomainIsActive(d.ptr) == 1 && virDomainDestroy(d.ptr) < 0)
      fail("destroying " + uuid);
    if (virDomainUndefineFlags(d.ptr, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                          VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0)
      fail("undefining " + uuid);
  }

  void reboot(const std::string& uuid, bool hard) override {
    domain d = find(uuid);
    if (hard) {
      // Nova's hard reboot: power off and start again from the definition.
      if (virDomainIsActive(d.ptr) == 1 && virDomainDestroy(d.ptr) < 0)
        fail("resetting " + uuid);
      if (virDomainCreate(d.ptr) < 0)
        fail("starting " + uuid);
      return;
    }
    if (virDomainReboot(d.ptr, 0) < 0)
      fail("rebooting " + uuid);
  }

  void power_off(const std::string& uuid) override {
    domain d = find(uuid);
    if (virDomainIsActive(d.ptr) != 1)
      return;
    // A clean shutdown first; a guest that ignores ACPI is forced off.
    if (virDomainShutdown(d.ptr) < 0 || virDomainIsActive(d.ptr) == 1)
      if (virDomainDestroy(d.ptr) < 0 && virDomainIsActive(d.ptr) == 1)
        fail("stopping " + uuid);
  }

  void power_on(const std::string& uuid) override {
    domain d = find(uuid);
    if (virDomainIsActive(d.ptr) != 1 && virDomainCreate(d.ptr) < 0)
      fail("starting " + uuid);
  }

  void pause(const std::string& uuid) override {
    domain d = find(uuid);
    if (virDomainSuspend(d.ptr) < 0)
      fail("pausing " + uuid);
  }

  void unpause(const std::string& uuid) override {
    domain d = find(uuid);
    if (virDomainResume(d.ptr) < 0)
      fail("unpausing " + uuid);
  }

  void suspend(const std::string& uuid) override {
    domain d = find(uuid);
    if (virDomainManagedSave(d.ptr, 0) < 0)
      fail("suspending " + uuid);
  }

  void resume(const std::string& uuid) override {
    power_on(uuid); // starting a domain with a managed save restores it
  }

  power_state state(const std::string& uuid) override {
    domain d{virDomainLookupByUUIDString(conn_, uuid.c_str())};
    if (!d.ptr)
      return power_state::nostate;
    return state_of(d.ptr);
  }

  std::map<std::string, std::string> consoles(const std::string& uuid) override {
    domain d = find(uuid);
    std::map<std::string, std::string> out;
    if (virDomainIsActive(d.ptr) != 1)
      return out;
    char* text = virDomainGetXMLDesc(d.ptr, 0);
    if (!text)
      fail("reading the definition of " + uuid);
    const std::string xml = text;
    free(text);
    // The live definition holds the port the hypervisor chose.
    if (auto vnc = attribute_of(xml, "<graphics type='vnc'", "port"); !vnc.empty() && vnc != "-1")
      out["vnc"] = attribute_of(xml, "<graphics type='vnc'", "listen") + ":" + vnc;
    if (auto serial = attribute_of(xml, "<source mode='bind'", "service"); !serial.empty())
      out["serial"] = attribute_of(xml, "<source mode='bind'", "host") + ":" + serial;
    return out;
  }

  std::map<std::string, power_state> guests() override {
    virDomainPtr* list = nullptr;
    const int n = virConnectListAllDomains(conn_, &list, 0);
    if (n < 0)
      fail("listing domains");
    std::map<std::string, power_state> out;
    for (int i = 0; i < n; ++i) {
      domain d{list[i]};
      char uuid[VIR_UUID_STRING_BUFLEN];
      if (virDomainGetUUIDString(d.ptr, uuid) == 0)
        out[uuid] = state_of(d.ptr);
    }
    free(list);
    return out;
  }

private:
  domain find(const std::string& uuid) {
    domain d{virDomainLookupByUUIDString(conn_, uuid.c_str())};
    if (!d.ptr)
      fail("no guest " + uuid);
    return d;
  }

  power_state state_of(virDomainPtr d) {
    int state = 0, reason = 0;
    if (virDomainGetState(d, &state, &reason, 0) < 0)
      return power_state::nostate;
    return from_libvirt(state, virDomainHasManagedSaveImage(d, 0) == 1);
  }

  std::string domain_xml(const guest_spec& spec) const {
    const bool test = type_ == "Test";
    return guest_domain_xml(spec, test ? "test" : kvm_usable() ? "kvm" : "qemu");
  }

  virConnectPtr conn_ = nullptr;
  std::string type_;
};

} // namespace

void write_node_file(const std::string& file, const simulated_host& host) {
  std::ofstream out(file, std::ios::trunc);
  out << "<node><cpu><mhz>2400</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets>"
      << "<cores>" << host.vcpus << "</cores><threads>1</threads><active>" << host.vcpus
      << "</active></cpu><memory>" << host.memory_mb * 1024 << "</memory></node>\n";
  if (!out)
    throw hypervisor_error("cannot write " + file);
}

std::unique_ptr<hypervisor_driver> connect_libvirt(const std::string& uri) {
  return std::make_unique<libvirt_driver>(uri);
}

} // namespace stratus::hypervisor
