// The message contract: every message survives a round trip, readers of
// other versions cope as the version rule says, and hostile bytes become
// typed errors.

#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "messages/fingerprint.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/payload.hpp"

using namespace stratus;

namespace {

bool ok(const msg::error& e) {
  return e.code == msg::errc::none;
}

// Two versions of one message, as an old and a new binary would define it.
struct widget_v1 {
  STRATUS_MESSAGE("test.widget", 1, 1) // 1: initial
  std::string name;
  uint32_t size = 0;
  STRATUS_FIELDS(name, size)
};

struct widget_v2 {
  STRATUS_MESSAGE("test.widget", 2, 1) // 2: adds color (appended)
  std::string name;
  uint32_t size = 0;
  std::string color = "grey";
  STRATUS_FIELDS(name, size, color)
};

struct widget_v3_breaking {
  STRATUS_MESSAGE("test.widget", 3, 3) // 3: size now means bytes, old readers must not guess
  std::string name;
  uint32_t size = 0;
  std::string color;
  STRATUS_FIELDS(name, size, color)
};

template <class T>
wire::envelope through_the_wire(const T& x) {
  auto env = wire::make_envelope(wire::kind::request, x);
  env.correlation_id = 42;
  env.source = "ctl-1";
  env.destination = "echo@cmp-1";
  env.ctx.request_id = "req-1";
  auto bytes = wire::encode(env);
  wire::envelope back;
  EXPECT_TRUE(ok(wire::decode(bytes, back)));
  return back;
}

} // namespace

TEST(Messages, EveryMessageRoundTrips) {
  int count = 0;
  msg::for_each_message_type([&]<class T>() {
    if constexpr (msg::wire_message<T>) {
      T original{};
      auto env = through_the_wire(original);
      T decoded;
      ASSERT_TRUE(ok(wire::open_envelope(env, decoded))) << T::type_name;
      EXPECT_EQ(wire::pack_record(original), wire::pack_record(decoded)) << T::type_name;
      ++count;
    }
  });
  EXPECT_GE(count, 15);
}

TEST(Messages, FilledMessageKeepsEveryField) {
  msg::describe_node_reply r;
  r.node = "cmp-7";
  r.pid = 1234;
  r.roles = {"compute", "network-agent"};
  r.peers.push_back({"ctl-1", "tcp://127.0.0.1:1", true, 12});
  r.actors.push_back({"compute@cmp-7", true, 3, 99, 1, "boom"});
  msg::describe_node_reply back;
  ASSERT_TRUE(ok(wire::open_envelope(through_the_wire(r), back)));
  EXPECT_EQ(back.node, "cmp-7");
  EXPECT_EQ(back.pid, 1234);
  EXPECT_EQ(back.roles, r.roles);
  ASSERT_EQ(back.peers.size(), 1u);
  EXPECT_EQ(back.peers[0].silent_ms, 12);
  ASSERT_EQ(back.actors.size(), 1u);
  EXPECT_EQ(back.actors[0].last_error, "boom");
  msg::put_record_request put{"scratch", "k", {'\0', '\xff', 'x'}, 7, true};
  msg::put_record_request put_back;
  ASSERT_TRUE(ok(wire::open_envelope(through_the_wire(put), put_back)));
  EXPECT_EQ(put_back.value, put.value);
  EXPECT_EQ(put_back.expected_revision, 7u);
  EXPECT_TRUE(put_back.create_only);
}

TEST(Messages, ContextTravelsInTheEnvelope) {
  auto env = wire::make_envelope(wire::kind::request, msg::echo_request{"hi"});
  env.ctx.request_id = "req-abc";
  env.ctx.trace_id = "t-1";
  env.ctx.deadline_unix_us = 123456789;
  env.ctx.caller.roles = {"admin"};
  env.ctx.client_id = "ctl-1/x";
  env.ctx.sequence = 9;
  wire::envelope back;
  ASSERT_TRUE(ok(wire::decode(wire::encode(env), back)));
  EXPECT_EQ(back.ctx.request_id, "req-abc");
  EXPECT_EQ(back.ctx.deadline_unix_us, 123456789);
  EXPECT_EQ(back.ctx.caller.roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(back.ctx.sequence, 9u);
}

TEST(Messages, OldWriterNewReaderKeepsDefaults) {
  auto env = through_the_wire(widget_v1{"gear", 3});
  widget_v2 x;
  ASSERT_TRUE(ok(wire::open_envelope(env, x)));
  EXPECT_EQ(x.name, "gear");
  EXPECT_EQ(x.size, 3u);
  EXPECT_EQ(x.color, "grey");  // missing field: default
}

TEST(Messages, NewWriterOldReaderSkipsExtraFields) {
  auto env = through_the_wire(widget_v2{"gear", 3, "red"});
  widget_v1 x;
  ASSERT_TRUE(ok(wire::open_envelope(env, x)));
  EXPECT_EQ(x.name, "gear");
  EXPECT_EQ(x.size, 3u);
}

TEST(Messages, ReaderRejectsMessageNeedingANewerReader) {
  auto env = through_the_wire(widget_v3_breaking{"gear", 3, "red"});
  widget_v2 x;
  auto err = wire::open_envelope(env, x);
  EXPECT_EQ(err.code, msg::errc::invalid);
  EXPECT_NE(err.message.find("needs a reader of version 3"), std::string::npos) << err.message;
}

TEST(Messages, ReaderRejectsMessageOlderThanItsCompatVersion) {
  auto env = through_the_wire(widget_v1{"gear", 3});
  widget_v3_breaking x;
  auto err = wire::open_envelope(env, x);
  EXPECT_EQ(err.code, msg::errc::invalid);
  EXPECT_NE(err.message.find("older than"), std::string::npos) << err.message;
}

TEST(Messages, WrongTypeNameIsRejected) {
  auto env = through_the_wire(msg::echo_request{"x"});
  msg::count_request x;
  EXPECT_EQ(wire::open_envelope(env, x).code, msg::errc::invalid);
}

// -- hostile bytes ----------------------------------------------------------

class HostileFrame : public ::testing::Test {
protected:
  msg::bytes valid = wire::encode(through_the_wire(msg::echo_request{"hello"}));

  msg::error decode(const msg::bytes& b, const wire::limits& lim = {}) {
    wire::envelope out;
    return wire::decode(b, out, lim);
  }
};

TEST_F(HostileFrame, EveryTruncationIsAnError) {
  for (std::size_t n = 0; n < valid.size(); ++n) {
    msg::bytes cut(valid.begin(), valid.begin() + n);
    EXPECT_EQ(decode(cut).code, msg::errc::invalid) << "length " << n;
  }
}

TEST_F(HostileFrame, TrailingBytesAreRejected) {
  auto b = valid;
  b.push_back('\x01');
  auto err = decode(b);
  EXPECT_EQ(err.code, msg::errc::invalid);
  EXPECT_NE(err.message.find("trailing"), std::string::npos) << err.message;
}

TEST_F(HostileFrame, GarbageIsRejected) {
  EXPECT_EQ(decode({'\xc1'}).code, msg::errc::invalid);
  EXPECT_EQ(decode({'h', 'e', 'l', 'l', 'o'}).code, msg::errc::invalid);
  EXPECT_EQ(decode({}).code, msg::errc::invalid);
}

TEST_F(HostileFrame, OversizedFrameIsRejectedBeforeParsing) {
  wire::limits lim;
  lim.max_frame_bytes = 16;
  auto err = decode(valid, lim);
  EXPECT_EQ(err.code, msg::errc::invalid);
  EXPECT_NE(err.message.find("exceeds"), std::string::npos);
}

TEST_F(HostileFrame, HugeArrayHeaderDoesNotAllocate) {
  // array32 claiming 4 G elements in a 5-byte message
  EXPECT_EQ(decode({'\xdd', '\xff', '\xff', '\xff', '\xff'}).code, msg::errc::invalid);
}

TEST_F(HostileFrame, DeepNestingIsBounded) {
  msg::bytes deep(100000, '\x91');  // fixarray(1) nested 100k times
  deep.push_back('\x00');
  EXPECT_EQ(decode(deep).code, msg::errc::invalid);
}

TEST_F(HostileFrame, WrongShapeIsRejected) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::map<std::string, int>{{"a", 1}});
  EXPECT_EQ(decode(msg::bytes(buf.data(), buf.data() + buf.size())).code, msg::errc::invalid);
}

TEST_F(HostileFrame, UnknownProtocolAndKindAreRejected) {
  auto env = through_the_wire(msg::echo_request{"x"});
  env.protocol = 99;
  EXPECT_NE(decode(wire::encode(env)).message.find("protocol"), std::string::npos);
  env.protocol = wire::protocol_version;
  env.kind = 77;
  EXPECT_NE(decode(wire::encode(env)).message.find("kind"), std::string::npos);
}

TEST_F(HostileFrame, PayloadOfTheWrongTypeIsRejected) {
  auto env = through_the_wire(msg::echo_request{"x"});
  env.payload = {'\xc1'};
  msg::echo_request x;
  EXPECT_EQ(wire::open_envelope(env, x).code, msg::errc::invalid);
}

// -- schema fingerprints ------------------------------------------------------

TEST(Messages, NoSchemaChangesWithoutAVersionBump) {
  std::map<std::string, std::string> recorded;  // type name -> fingerprint
  std::ifstream in(STRATUS_FINGERPRINTS);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#')
      recorded[line.substr(0, line.find(' '))] = line;
  std::ostringstream current;
  msg::for_each_message_type([&]<class T>() {
    if constexpr (msg::wire_message<T>) {
      auto fp = msg::fingerprint<T>();
      current << fp << "\n";
      auto it = recorded.find(T::type_name);
      if (it == recorded.end()) {
        ADD_FAILURE() << T::type_name << " is new: add it to messages/fingerprints.txt:\n" << fp;
      } else if (it->second != fp) {
        const bool bumped = it->second.find(" v" + std::to_string(T::version) + "/") ==
                            std::string::npos;
        ADD_FAILURE() << T::type_name
                      << (bumped ? " changed with a version bump: record the new fingerprint"
                                 : " changed WITHOUT a version bump: bump version (and "
                                   "compat_version if old readers cannot cope)")
                      << "\n  recorded: " << it->second << "\n  current:  " << fp;
      }
    }
  });
  if (::testing::Test::HasFailure())
    std::cerr << "current fingerprints (regenerate with STRATUS_WRITE_FINGERPRINTS=1):\n"
              << current.str();
  if (std::getenv("STRATUS_WRITE_FINGERPRINTS")) {
    std::ofstream out(STRATUS_FINGERPRINTS);
    out << "# name version/compat shape; checked by tests/unit/messages_test.cpp\n"
        << current.str();
  }
}
