// The conductor as its callers see it: durable writes with preconditions,
// reads, listing, and data that survives a restart of its node.

#include <gtest/gtest.h>

#include "drivers/kv/kv_driver.hpp"
#include "messages/storage.hpp"
#include "runtime/call.hpp"
#include "runtime/log.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_node.hpp"

using namespace stratus;
using namespace std::chrono_literals;

namespace {

msg::bytes b(const std::string& s) {
  return {s.begin(), s.end()};
}

class ConductorTest : public test::server_and_client {
protected:
  void SetUp() override {
    server_and_client::SetUp();
    boot();
  }
  void boot() { start(test::node_config_for("ctl", {"conductor"}, dir.path())); }
  auto put(const std::string& key, const std::string& value, uint64_t expected = 0,
           bool create_only = false) {
    return runtime::call(*client, "conductor@ctl",
                         msg::put_record_request{"scratch", key, b(value), expected, create_only},
                         5s);
  }
  auto get(const std::string& key) {
    return runtime::call(*client, "conductor@ctl", msg::get_record_request{"scratch", key}, 5s);
  }
};

} // namespace

TEST_F(ConductorTest, WriteThenReadBack) {
  auto w = put("inst-1", "building");
  ASSERT_TRUE(w) << w.error.message;
  EXPECT_EQ(w->revision, 1u);
  auto r = get("inst-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->record.value, b("building"));
  EXPECT_EQ(r->record.revision, 1u);
}

TEST_F(ConductorTest, MissingRecordIsNotFound) {
  auto r = get("nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::not_found);
}

TEST_F(ConductorTest, StaleRevisionLosesTheRace) {
  ASSERT_TRUE(put("inst-1", "scheduling"));
  auto a = put("inst-1", "spawning", 1);
  auto b2 = put("inst-1", "deleting", 1);  // also expected revision 1: must lose
  ASSERT_TRUE(a);
  ASSERT_FALSE(b2);
  EXPECT_EQ(b2.error.code, msg::errc::conflict);
  EXPECT_EQ(get("inst-1")->record.value, b("spawning"));
}

TEST_F(ConductorTest, CreateOnlyRefusesAnExistingKey) {
  ASSERT_TRUE(put("k", "1", 0, true));
  auto again = put("k", "2", 0, true);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error.code, msg::errc::conflict);
}

TEST_F(ConductorTest, UnknownTableIsInvalid) {
  auto r = runtime::call(*client, "conductor@ctl",
                         msg::put_record_request{"no_such_table", "k", b("v"), 0, false}, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::invalid);
}

TEST_F(ConductorTest, ListPagesThroughAPrefix) {
  for (auto k : {"a/1", "a/2", "a/3", "b/1"})
    ASSERT_TRUE(put(k, "v"));
  auto page1 = runtime::call(*client, "conductor@ctl",
                             msg::list_records_request{"scratch", "a/", "", 2}, 5s);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->records.size(), 2u);
  EXPECT_TRUE(page1->truncated);
  auto page2 = runtime::call(*client, "conductor@ctl",
                             msg::list_records_request{"scratch", "a/", page1->records[1].key, 2},
                             5s);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->records.size(), 1u);
  EXPECT_EQ(page2->records[0].key, "a/3");
  EXPECT_FALSE(page2->truncated);
}

TEST_F(ConductorTest, DeleteRemovesTheRecord) {
  ASSERT_TRUE(put("k", "v"));
  auto d = runtime::call(*client, "conductor@ctl", msg::delete_record_request{"scratch", "k", 0}, 5s);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->existed);
  EXPECT_EQ(get("k").error.code, msg::errc::not_found);
}

TEST_F(ConductorTest, AcknowledgedWritesSurviveARestart) {
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(put("k" + std::to_string(i), "v" + std::to_string(i)));
  boot();
  for (int i = 0; i < 50; ++i) {
    auto r = get("k" + std::to_string(i));
    ASSERT_TRUE(r) << "k" << i << ": " << r.error.message;
    EXPECT_EQ(r->record.value, b("v" + std::to_string(i)));
  }
}

TEST_F(ConductorTest, CoLocatedActorsReadThroughReadOnlyTransactions) {
  ASSERT_TRUE(put("inst-9", "active"));
  auto db = server->shared().get<kv::environment>("kv");
  ASSERT_NE(db, nullptr);
  kv::transaction txn(*db, kv::transaction::mode::read_only);
  kv::table t(txn, "scratch");
  auto stored = txn.get(t, "inst-9");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->find("active"), std::string_view::npos);  // after the 8-byte revision
}

TEST_F(ConductorTest, SeveralWritesLandTogetherOrNotAtAll) {
  ASSERT_TRUE(put("taken", "x"));
  msg::write_records_request both;
  both.writes.push_back({"scratch", "new-1", b("a"), 0, true, false});
  both.writes.push_back({"scratch", "taken", b("b"), 0, true, false});  // conflicts
  auto r = runtime::call(*client, "conductor@ctl", both, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::conflict);
  EXPECT_FALSE(get("new-1"));  // the first write did not land either
  both.writes[1] = {"scratch", "taken", {}, 1, false, true};  // erase at revision 1
  r = runtime::call(*client, "conductor@ctl", both, 5s);
  ASSERT_TRUE(r) << r.error.message;
  EXPECT_EQ(r->revisions, (std::vector<uint64_t>{1, 0}));
  EXPECT_TRUE(get("new-1"));
  EXPECT_FALSE(get("taken"));
}
