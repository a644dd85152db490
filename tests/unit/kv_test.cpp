// The LMDB wrapper: what is committed is there, what is not is gone, and
// misuse is a classified error.

#include <filesystem>

#include <gtest/gtest.h>

#include "drivers/kv/kv_driver.hpp"
#include "tests/support/temp_dir.hpp"

using namespace stratus;
using mode = kv::transaction::mode;

namespace {

/// What a fresh read-only transaction sees under `key` in table "things".
std::optional<std::string> read_back(kv::environment& env, std::string_view key) {
  kv::transaction txn(env, mode::read_only);
  kv::table t(txn, "things");
  auto v = txn.get(t, key);
  return v ? std::optional<std::string>{std::string{*v}} : std::nullopt;
}

} // namespace

TEST(Kv, CommittedWritesAreReadBackAfterReopen) {
  test::temp_dir dir;
  {
    kv::environment env(dir.path());
    kv::transaction txn(env, mode::read_write);
    kv::table t(txn, "things", true);
    txn.put(t, "a", "1");
    txn.put(t, "b", std::string("\0\1", 2));
    txn.commit();
  }
  kv::environment env(dir.path());
  EXPECT_EQ(read_back(env, "a"), "1");
  EXPECT_EQ(read_back(env, "b")->size(), 2u);
  EXPECT_FALSE(read_back(env, "c").has_value());
}

TEST(Kv, UncommittedTransactionAbortsAtScopeExit) {
  test::temp_dir dir;
  kv::environment env(dir.path());
  {
    kv::transaction txn(env, mode::read_write);
    kv::table t(txn, "things", true);
    txn.commit();
  }
  {
    kv::transaction txn(env, mode::read_write);
    kv::table t(txn, "things");
    txn.put(t, "lost", "x");
  }
  EXPECT_FALSE(read_back(env, "lost").has_value());
}

TEST(Kv, CursorWalksKeysInOrderFromASeek) {
  test::temp_dir dir;
  kv::environment env(dir.path());
  kv::transaction txn(env, mode::read_write);
  kv::table t(txn, "things", true);
  for (auto k : {"b/2", "a/1", "b/1", "c/1"})
    txn.put(t, k, "v");
  std::vector<std::string> keys;
  {
    kv::cursor c(txn, t);
    for (bool ok = c.seek("b/"); ok && c.key().starts_with("b/"); ok = c.next())
      keys.emplace_back(c.key());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"b/1", "b/2"}));
  {
    kv::cursor c(txn, t);
    ASSERT_TRUE(c.seek(""));  // the empty key is before every key
    EXPECT_EQ(c.key(), "a/1");
  }
  EXPECT_TRUE(txn.erase(t, "b/1"));
  EXPECT_FALSE(txn.erase(t, "b/1"));
  txn.commit();
}

TEST(Kv, MissingTableIsMisuse) {
  test::temp_dir dir;
  kv::environment env(dir.path());
  kv::transaction txn(env, mode::read_only);
  try {
    kv::table t(txn, "nope");
    FAIL() << "opening a missing table succeeded";
  } catch (const kv::error& e) {
    EXPECT_EQ(e.classification(), kv::error_class::misuse);
  }
}

TEST(Kv, FullMapIsClassifiedFull) {
  test::temp_dir dir;
  kv::options opts;
  opts.map_size = 1 << 20;  // 1 MiB
  kv::environment env(dir.path(), opts);
  kv::transaction txn(env, mode::read_write);
  kv::table t(txn, "things", true);
  try {
    for (int i = 0; i < 10000; ++i)
      txn.put(t, "key-" + std::to_string(i), std::string(1000, 'x'));
    FAIL() << "10 MB fit in a 1 MiB map";
  } catch (const kv::error& e) {
    EXPECT_EQ(e.classification(), kv::error_class::full);
  }
}
