// The libvirt hypervisor driver against libvirt's test driver with a node
// file of its own (a private simulated host per connection): host facts,
// and a guest's life through every power transition Nova's actions use.

#include <gtest/gtest.h>

#include <filesystem>

#include "drivers/hypervisor/libvirt/domain_xml.hpp"
#include "drivers/hypervisor/libvirt/libvirt_driver.hpp"

using namespace stratus::hypervisor;

namespace {

class LibvirtDriver : public ::testing::Test {
protected:
  std::filesystem::path dir;
  std::unique_ptr<hypervisor_driver> driver;
  guest_spec guest = [] {
    guest_spec g;
    g.uuid = "5a3ab1c4-2f4e-4b8e-9a43-3f1d1c2e9b10";
    g.name = "instance-00000001";
    g.vcpus = 2;
    return g;
  }();

  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("stratus-libvirt-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    write_node_file((dir / "node.xml").string(), {12, 24576});
    driver = connect_libvirt("test://" + (dir / "node.xml").string());
  }
  void TearDown() override {
    driver.reset();
    std::filesystem::remove_all(dir);
  }
};

TEST_F(LibvirtDriver, ReportsTheSimulatedHost) {
  auto h = driver->host();
  EXPECT_EQ(h.vcpus, 12u);
  EXPECT_EQ(h.memory_mb, 24576u);
  EXPECT_EQ(h.hypervisor_type, "TEST");
  EXPECT_TRUE(driver->guests().empty());
}

TEST_F(LibvirtDriver, GuestLifecycle) {
  EXPECT_EQ(driver->state(guest.uuid), power_state::nostate);
  driver->spawn(guest);
  EXPECT_EQ(driver->state(guest.uuid), power_state::running);
  driver->spawn(guest); // a retried build is harmless
  EXPECT_EQ(driver->guests().size(), 1u);
  driver->reboot(guest.uuid, false);
  driver->reboot(guest.uuid, true);
  EXPECT_EQ(driver->state(guest.uuid), power_state::running);
  driver->pause(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::paused);
  driver->unpause(guest.uuid);
  driver->suspend(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::suspended);
  driver->resume(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::running);
  driver->power_off(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::shutdown);
  driver->power_on(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::running);
  driver->destroy(guest.uuid);
  EXPECT_EQ(driver->state(guest.uuid), power_state::nostate);
  driver->destroy(guest.uuid); // deletes are retried
}

TEST_F(LibvirtDriver, ErrorsNameTheGuest) {
  try {
    driver->pause("00000000-0000-4000-8000-000000000000");
    FAIL() << "pausing a guest that is not there succeeded";
  } catch (const hypervisor_error& e) {
    EXPECT_NE(std::string{e.what()}.find("00000000-0000-4000-8000-000000000000"), std::string::npos);
  }
  EXPECT_THROW(connect_libvirt("test:///nonexistent/node.xml"), hypervisor_error);
}

TEST_F(LibvirtDriver, EachConnectionIsItsOwnHost) {
  driver->spawn(guest);
  auto other = connect_libvirt("test://" + (dir / "node.xml").string());
  EXPECT_TRUE(other->guests().empty());
}

} // namespace

namespace {

TEST(DomainXml, ARealGuestBootsItsKernelWithNicsAndConsoles) {
  guest_spec g;
  g.uuid = "5a3ab1c4-2f4e-4b8e-9a43-3f1d1c2e9b10";
  g.name = "instance-00000002";
  g.disk_path = "/var/lib/x/disk";
  g.disk_format = "qcow2";
  g.kernel_path = "/cache/k";
  g.ramdisk_path = "/cache/r";
  g.kernel_cmdline = "console=ttyS0";
  g.nics = {{"brq1234567890a", "tap1234567890a", "fa:16:3e:00:00:01", 1450}};
  g.console_log = "/var/lib/x/console.log";
  g.serial_port = 10001;
  g.vnc_listen = "127.0.0.1";
  const auto xml = guest_domain_xml(g, "qemu");
  for (const char* part :
       {"<domain type='qemu'>", "<kernel>/cache/k</kernel>", "<initrd>/cache/r</initrd>",
        "<cmdline>console=ttyS0</cmdline>", "<features><acpi/>",
        "<driver name='qemu' type='qcow2'/><source file='/var/lib/x/disk'/>",
        "<interface type='bridge'><mac address='fa:16:3e:00:00:01'/><source "
        "bridge='brq1234567890a'/><target dev='tap1234567890a'/><model type='virtio'/><mtu "
        "size='1450'/>",
        "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='10001'/>",
        "<log file='/var/lib/x/console.log' append='on'/>",
        "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>"})
    EXPECT_NE(xml.find(part), std::string::npos) << part << " not in " << xml;
}

TEST(DomainXml, TheTestDriversGuestsHaveNoDevicesItCannotRun) {
  guest_spec g;
  g.uuid = "5a3ab1c4-2f4e-4b8e-9a43-3f1d1c2e9b10";
  g.name = "a<b";
  g.nics = {{"brq", "tap", "fa:16:3e:00:00:01", 1500}};
  g.vnc_listen = "127.0.0.1";
  const auto xml = guest_domain_xml(g, "test");
  EXPECT_NE(xml.find("<name>a&lt;b</name>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<interface"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<graphics"), std::string::npos) << xml;
}

} // namespace
