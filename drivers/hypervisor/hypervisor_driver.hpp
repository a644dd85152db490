#pragma once
// What a compute node asks of its hypervisor: what the host has, and the
// life of a guest (define and start, reboot, stop and start, pause,
// suspend, destroy), addressed by the instance's UUID. Every call blocks
// and may be slow: the compute role makes them on a worker thread, never in
// an actor's handler. Implementations: libvirt/ (libvirt's test driver by
// default, qemu:///system for real guests through the same code).

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace stratus::hypervisor {

/// Nova's power states (nova/compute/power_state.py), as the API shows them.
enum class power_state : int {
  nostate = 0,
  running = 1,
  paused = 3,
  shutdown = 4,
  crashed = 6,
  suspended = 7,
};

/// What the resource tracker reports.
struct host_info {
  std::string hostname;        // the hypervisor's own name for the host
  std::string hypervisor_type; // "QEMU", "TEST", …
  uint64_t hypervisor_version = 0;
  std::string cpu_model;
  uint32_t vcpus = 0;
  uint64_t memory_mb = 0;
};

/// A guest NIC on a Linux bridge (Neutron's vif_type "bridge"): the
/// hypervisor makes the tap and puts it into the bridge.
struct guest_nic {
  std::string bridge; // "brq" + 11 chars of the network id
  std::string tap;    // "tap" + 11 chars of the port id
  std::string mac;
  unsigned mtu = 1500;
};

/// One guest to create.
struct guest_spec {
  std::string uuid; // the instance's UUID, also the domain's
  std::string name; // the domain name ("instance-0000002a")
  uint32_t vcpus = 1;
  uint64_t memory_mb = 512;
  std::string disk_path;           // the root disk (empty: none, as the test driver allows)
  std::string disk_format = "raw"; // "raw" or "qcow2"
  // Direct kernel boot (an ami with kernel_id/ramdisk_id): empty = boot the disk.
  std::string kernel_path;
  std::string ramdisk_path;
  std::string kernel_cmdline;
  std::vector<guest_nic> nics;
  std::string console_log; // the serial console's output, appended (empty: none)
  uint16_t serial_port = 0; // the serial console on 127.0.0.1:<port>, raw TCP (0: none)
  std::string vnc_listen;   // VNC on this address, port chosen by the hypervisor ("": none)
  std::string definition_copy; // where to keep the definition, as Nova's libvirt.xml ("": none)
};

/// A hypervisor refused or failed; `what()` says why in its own words.
class hypervisor_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class hypervisor_driver {
public:
  virtual ~hypervisor_driver() = default;

  /// The host's CPUs, memory and identity.
  virtual host_info host() = 0;
  /// Defines the guest and starts it; a guest of that UUID already there
  /// (a retried build) is started if it is not running.
  virtual void spawn(const guest_spec& spec) = 0;
  /// Stops and forgets the guest, its saved state included; a guest that is
  /// not there is not an error (deletes are retried).
  virtual void destroy(const std::string& uuid) = 0;
  /// Soft (ACPI) or hard (reset) reboot.
  virtual void reboot(const std::string& uuid, bool hard) = 0;
  /// Stops the guest: a clean shutdown, forced off if it does not comply.
  virtual void power_off(const std::string& uuid) = 0;
  /// Starts a stopped or suspended guest.
  virtual void power_on(const std::string& uuid) = 0;
  virtual void pause(const std::string& uuid) = 0;
  virtual void unpause(const std::string& uuid) = 0;
  /// Saves the guest's memory to disk and stops it (Nova's suspend).
  virtual void suspend(const std::string& uuid) = 0;
  /// Restores a suspended guest.
  virtual void resume(const std::string& uuid) = 0;
  /// The guest's power state; nostate if there is no such guest.
  virtual power_state state(const std::string& uuid) = 0;
  /// Every guest the hypervisor has, by UUID.
  virtual std::map<std::string, power_state> guests() = 0;
  /// Where the guest's consoles are while it runs: "vnc" → "host:port",
  /// "serial" → "host:port"; none for a console it does not have.
  virtual std::map<std::string, std::string> consoles(const std::string& uuid) = 0;
};

} // namespace stratus::hypervisor
