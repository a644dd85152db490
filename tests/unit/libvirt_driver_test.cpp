// The libvirt hypervisor driver against libvirt's test driver with a node
// file of its own (a private simulated host per connection): host facts,
// and a guest's life through every power transition Nova's actions use.

#include <gtest/gtest.h>

#include <filesystem>

#include "drivers/hypervisor/libvirt/libvirt_driver.hpp"

using namespace stratus::hypervisor;

namespace {

class LibvirtDriver : public ::testing::Test {
protected:
  std::filesystem::path dir;
  std::unique_ptr<hypervisor_driver> driver;
  guest_spec guest{"5a3ab1c4-2f4e-4b8e-9a43-3f1d1c2e9b10", "instance-00000001", 2, 512, ""};

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
