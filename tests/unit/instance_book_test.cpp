// The compute-conductor's instance book: new instances are numbered and
// start building, transitions are compare-and-swaps on the task state (of
// two racing actions one wins), actions record their events, and the book
// rebuilds from its records.

#include <gtest/gtest.h>

#include "actors/compute_conductor/instance_book.hpp"
#include "messages/compute.hpp"
#include "messages/context.hpp"

using namespace stratus;
using namespace stratus::compute;

namespace {

msg::update_instance_request transition(std::string uuid, std::vector<std::string> expected,
                                        json changes, std::string action = "") {
  msg::update_instance_request r;
  r.uuid = std::move(uuid);
  r.expected_task_states = std::move(expected);
  r.changes = changes.dump();
  r.action = std::move(action);
  return r;
}

class InstanceBook : public ::testing::Test {
protected:
  instance_book book;
  msg::context ctx;
  int64_t now = 1'800'000'000;

  void SetUp() override {
    ctx.request_id = "req-1";
    auto r = book.create({json{{"uuid", "u1"}, {"project_id", "p"}}}, ctx, now);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.changes.size(), 2u); // the instance and its "create" action
  }
};

TEST_F(InstanceBook, NewInstancesBuild) {
  const json* x = book.instance("u1");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ((*x)["vm_state"], "building");
  EXPECT_EQ((*x)["task_state"], "scheduling");
  EXPECT_EQ((*x)["instance_name"], "instance-00000001");
  ASSERT_EQ(book.actions("u1").size(), 1u);
  EXPECT_EQ((*book.actions("u1")[0])["action"], "create");
}

TEST_F(InstanceBook, OnlyOneOfTwoRacingTransitionsWins) {
  ASSERT_FALSE(book.update(transition("u1", {"scheduling"}, {{"vm_state", "active"}, {"task_state", nullptr}}), ctx, now).error);
  auto reboot = transition("u1", {""}, {{"task_state", "rebooting"}}, "reboot");
  auto stop = transition("u1", {""}, {{"task_state", "powering-off"}}, "stop");
  EXPECT_FALSE(book.update(reboot, ctx, now).error);
  auto lost = book.update(stop, ctx, now);
  ASSERT_TRUE(lost.error);
  EXPECT_EQ(lost.error->code, msg::errc::conflict);
  EXPECT_NE(lost.error->message.find("'rebooting'"), std::string::npos);
  EXPECT_EQ((*book.instance("u1"))["task_state"], "rebooting");
  EXPECT_EQ(book.actions("u1").size(), 2u); // the loser started no action
}

TEST_F(InstanceBook, VmStatesAreCheckedToo) {
  auto r = transition("u1", {}, {{"task_state", "pausing"}});
  r.expected_vm_states = {"active"};
  auto out = book.update(r, ctx, now);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, msg::errc::conflict);
}

TEST_F(InstanceBook, EventsStartAndFinishOnTheLatestAction) {
  auto start = transition("u1", {"scheduling"}, {{"task_state", "spawning"}});
  start.event = "compute_build_and_run_instance";
  ASSERT_FALSE(book.update(start, ctx, now).error);
  auto finish = transition("u1", {"spawning"}, {{"vm_state", "active"}, {"task_state", nullptr}});
  finish.event = "compute_build_and_run_instance";
  finish.event_result = "Success";
  ASSERT_FALSE(book.update(finish, ctx, now + 5).error);
  const json& action = *book.actions("u1").back();
  ASSERT_EQ(action["events"].size(), 1u);
  EXPECT_EQ(action["events"][0]["result"], "Success");
  EXPECT_FALSE(action["events"][0]["finish_time"].is_null());
}

TEST_F(InstanceBook, DeletedInstancesTakeNoTransitions) {
  ASSERT_FALSE(book.update(transition("u1", {}, {{"deleted", true}, {"vm_state", "deleted"}}), ctx, now).error);
  auto out = book.update(transition("u1", {}, {{"task_state", "rebooting"}}), ctx, now);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, msg::errc::not_found);
}

TEST_F(InstanceBook, RebuildsFromItsRecords) {
  auto r = book.update(transition("u1", {"scheduling"}, {{"host", "cmp-1"}}, "x"), ctx, now);
  instance_book rebuilt;
  for (auto& [uuid, x] : book.instances())
    rebuilt.apply({"instance", uuid, x});
  rebuilt.apply({"action", "u1/000000", *book.actions("u1")[0]});
  rebuilt.apply({"action", "u1/000001", *book.actions("u1")[1]});
  EXPECT_EQ((*rebuilt.instance("u1"))["host"], "cmp-1");
  EXPECT_EQ(rebuilt.actions("u1").size(), 2u);
  // Numbering goes on after the highest id seen.
  auto more = rebuilt.create({json{{"uuid", "u2"}}}, ctx, now);
  EXPECT_EQ((*rebuilt.instance("u2"))["instance_name"], "instance-00000002");
}

} // namespace
