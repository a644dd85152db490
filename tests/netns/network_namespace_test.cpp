// Named network namespaces: made and removed as `ip netns` does (so it sees
// them), idempotently; code run "in" a namespace runs on a thread of its
// own, never moving the caller's thread. Needs root; skipped otherwise.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "drivers/netlink/libnl/libnl_driver.hpp"
#include "drivers/netlink/network_namespace.hpp"
#include "tests/netns/netns_helpers.hpp"

using namespace stratus::netlink;
using namespace stratus::test;

namespace {

/// The identity of a namespace file: its inode on nsfs.
ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool listed_by_ip(const std::string& name) {
  for (const auto& line : lines_with(run("ip netns list").output, name))
    if (line == name || line.rfind(name + " ", 0) == 0)
      return true;
  return false;
}

class NetworkNamespace : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root for network namespaces";
    if (!have_command("ip"))
      GTEST_SKIP() << "needs iproute2";
    name_ = netns_prefix() + "ns";
  }
  void TearDown() override {
    if (!name_.empty())
      delete_namespace(name_);
  }
  std::string name_;
};

TEST_F(NetworkNamespace, CreateIsIdempotentAndDeleteLeavesNothing) {
  EXPECT_FALSE(namespace_exists(name_));
  const std::string path = create_namespace(name_);
  EXPECT_EQ(path, "/run/netns/" + name_);
  EXPECT_EQ(create_namespace(name_), path);
  EXPECT_TRUE(namespace_exists(name_));
  EXPECT_TRUE(listed_by_ip(name_));
  const ino_t first = inode_of(path);
  EXPECT_EQ(create_namespace(name_), path);
  EXPECT_EQ(inode_of(path), first); // the same namespace, not a new one

  delete_namespace(name_);
  delete_namespace(name_);
  EXPECT_FALSE(namespace_exists(name_));
  EXPECT_FALSE(listed_by_ip(name_));
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST_F(NetworkNamespace, CreateTakesOverAStaleFile) {
  // What a crash between creating the file and mounting on it leaves.
  const std::string path = namespace_path(name_);
  ::mkdir("/run/netns", 0755);
  std::ofstream{path};
  EXPECT_FALSE(namespace_exists(name_));
  create_namespace(name_);
  EXPECT_TRUE(namespace_exists(name_));
}

TEST_F(NetworkNamespace, ListShowsWhatIpNetnsListShows) {
  auto listed = [](const std::string& name) {
    const auto names = list_namespaces();
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  const std::string stale = name_ + "-stale";
  ::mkdir("/run/netns", 0755);
  std::ofstream{namespace_path(stale)}; // a file, but no namespace mounted on it
  create_namespace(name_);
  EXPECT_TRUE(listed(name_));
  EXPECT_TRUE(listed(stale)); // listed, so that cleaning up finds it too
  EXPECT_TRUE(listed_by_ip(stale));
  delete_namespace(stale);
  delete_namespace(name_);
  EXPECT_FALSE(listed(name_));
  EXPECT_FALSE(listed(stale));
}

TEST_F(NetworkNamespace, RunInNamespaceRunsThereNotOnTheCallersThread) {
  const std::string path = create_namespace(name_);
  const ino_t callers = inode_of("/proc/thread-self/ns/net");
  ino_t inside = 0;
  run_in_namespace(path, [&] { inside = inode_of("/proc/thread-self/ns/net"); });
  EXPECT_EQ(inside, inode_of(path));
  EXPECT_NE(inside, callers);
  EXPECT_EQ(inode_of("/proc/thread-self/ns/net"), callers);

  ino_t here = 0; // "" = the caller's own namespace
  run_in_namespace("", [&] { here = inode_of("/proc/thread-self/ns/net"); });
  EXPECT_EQ(here, callers);
}

TEST_F(NetworkNamespace, RunInNamespaceRethrowsWhatTheFunctionThrew) {
  const std::string path = create_namespace(name_);
  try {
    run_in_namespace(path, [] { throw std::logic_error("from inside"); });
    FAIL() << "nothing was rethrown";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "from inside");
  }
  EXPECT_THROW(run_in_namespace(namespace_path(name_ + "-missing"), [] {}), netlink_error);
}

TEST_F(NetworkNamespace, AScratchNamespaceIsFreshAndLeavesNothing) {
  const ino_t callers = inode_of("/proc/thread-self/ns/net");
  ino_t inside = 0;
  std::vector<link_info> links;
  run_in_scratch_namespace([&] {
    inside = inode_of("/proc/thread-self/ns/net");
    links = open_netlink_driver("")->links();
  });
  EXPECT_NE(inside, callers);
  ASSERT_EQ(links.size(), 1u); // only its own loopback
  EXPECT_EQ(links[0].name, "lo");
}

TEST_F(NetworkNamespace, DevicesGoWithTheirNamespace) {
  const std::string path = create_namespace(name_);
  {
    auto driver = open_netlink_driver(path);
    driver->ensure_bridge("brqgone", 1500);
  }
  EXPECT_FALSE(lines_with(run("ip -n " + name_ + " -o link show").output, "brqgone").empty());
  delete_namespace(name_);
  EXPECT_FALSE(listed_by_ip(name_));
  EXPECT_NE(run("ip -n " + name_ + " link show brqgone").status, 0);
}

TEST_F(NetworkNamespace, RefusesNamesThatAreNoFileNames) {
  EXPECT_THROW(create_namespace("a/b"), netlink_error);
  EXPECT_THROW(create_namespace(""), netlink_error);
  EXPECT_THROW(delete_namespace(".."), netlink_error);
}

} // namespace
