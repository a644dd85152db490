// No acknowledged write is lost when the conductor's node is killed with
// SIGKILL in the middle of a write load.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "messages/storage.hpp"
#include "runtime/log.hpp"
#include "tests/support/launcher.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"
#include "tools/cluster/cluster_probe.hpp"

using namespace stratus;
using namespace std::chrono_literals;

TEST(Durability, EveryAcknowledgedWriteSurvivesKill9) {
  runtime::init_logging("test", "warn");
  test::temp_dir dir;
  const auto state = dir.path() / "state";
  auto file = test::write_cluster_file(
    dir.path(), "[cluster]\nheartbeat_ms = 200\n[[node]]\nname = \"ctl-1\"\nroles = [\"conductor\"]\n");
  auto up = test::launch(state, "up --cluster " + file.string());
  ASSERT_EQ(up.code, 0) << up.output;

  std::set<std::string> acked;
  std::mutex mu;
  std::atomic<bool> killed{false};
  std::atomic<int> failures_after_kill{0};
  {
    tools::cluster_probe probe{tools::load_state({state})};
    ASSERT_TRUE(probe.client().wait_for_peer("ctl-1", 5s));
    std::vector<std::thread> writers;
    for (int w = 0; w < 16; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; failures_after_kill < 50; ++i) {
          std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
          auto r = runtime::call(probe.client(), "conductor@ctl-1",
                                 msg::put_record_request{"scratch", key, {key.begin(), key.end()}, 0, false},
                                 2s);
          if (r) {
            std::lock_guard<std::mutex> g{mu};
            acked.insert(key);
          } else if (killed) {
            ++failures_after_kill;
          }
        }
      });
    }
    ASSERT_TRUE(test::wait_until(
      [&] {
        std::lock_guard<std::mutex> g{mu};
        return acked.size() >= 3000;
      },
      30s));
    ASSERT_EQ(::kill(test::node_pid(state, "ctl-1"), SIGKILL), 0);
    killed = true;
    for (auto& t : writers)
      t.join();
  }
  std::cout << "acknowledged before the kill: " << acked.size() << " writes\n";

  auto again = test::launch(state, "up");
  ASSERT_EQ(again.code, 0) << again.output;
  tools::cluster_probe probe{tools::load_state({state})};
  ASSERT_TRUE(probe.client().wait_for_peer("ctl-1", 5s));
  std::set<std::string> stored;
  std::string after;
  for (;;) {
    auto page = runtime::call(probe.client(), "conductor@ctl-1",
                              msg::list_records_request{"scratch", "", after, 10000}, 10s);
    ASSERT_TRUE(page) << page.error.message;
    for (auto& r : page->records)
      stored.insert(r.key);
    if (!page->truncated || page->records.empty())
      break;
    after = page->records.back().key;
  }
  std::size_t lost = 0;
  for (auto& k : acked)
    lost += stored.count(k) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << lost << " of " << acked.size() << " acknowledged writes were lost";
  test::launch(state, "down");
}
