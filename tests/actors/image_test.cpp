// The image role on real nodes: an upload streamed in pieces becomes an
// active image with Glance's checksums; a compute node's fetch gets the same
// bytes and refuses corrupt ones; interrupted and racing uploads leave the
// image queued or with exactly one upload's data, and nothing stray on disk.

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/image/image_fetch.hpp"
#include "messages/api.hpp"
#include "messages/image.hpp"
#include "runtime/call.hpp"
#include "runtime/directory.hpp"
#include "runtime/node.hpp"
#include "tests/support/api_request.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_node.hpp"
#include "tests/support/wait.hpp"

using namespace stratus;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* image_role = "image-api@ctl";

msg::context as_project(const std::string& project) {
  return test::caller("u-" + project, project, {"member"});
}

using test::operation;

std::string pattern(std::size_t size, char seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>(seed + i * 7 % 251);
  return s;
}

class ImageRole : public test::server_and_client {
protected:
  void start_image_node() {
    auto cfg = test::node_config_for("ctl", {"conductor", "image-api"}, dir.path());
    start(std::move(cfg));
  }

  template <class T> auto ask(const T& req, const std::string& project = "p1") {
    return runtime::call(*client, image_role, req, 10s, as_project(project));
  }

  std::string create_image() {
    auto r = ask(operation("image:add_image",
                           R"({"name": "img", "disk_format": "raw", "container_format": "bare"})"));
    EXPECT_TRUE(r) << r.error.message;
    return r ? json::parse(r->body)["id"].get<std::string>() : std::string{};
  }

  runtime::outcome<msg::api_stream_open_reply> open(const std::string& id) {
    return ask(
        msg::api_stream_open_request{operation("image:upload_image", "", {{"image_id", id}})});
  }

  /// Uploads `data` in pieces of `piece` bytes; the close's reply.
  runtime::outcome<msg::api_call_reply> upload(const std::string& id, const std::string& data,
                                               std::size_t piece = 64 << 10) {
    auto opened = open(id);
    if (!opened)
      return {{}, opened.error};
    for (std::size_t at = 0; at < data.size(); at += piece) {
      const auto part = data.substr(at, piece);
      auto r = ask(msg::api_stream_piece_request{opened->stream_id,
                                                 std::vector<char>(part.begin(), part.end())});
      if (!r)
        return {{}, r.error};
    }
    return ask(msg::api_stream_close_request{opened->stream_id, false});
  }

  json show(const std::string& id) {
    auto r = ask(operation("image:get_image", "", {{"image_id", id}}));
    EXPECT_TRUE(r) << r.error.message;
    return r ? json::parse(r->body) : json{};
  }

  std::optional<msg::error> fetch(const std::string& id, const std::filesystem::path& to) {
    std::promise<std::optional<msg::error>> result;
    image::fetch_image(client->system(), client->dir().resolve(image_role), id, to,
                       [&result](std::optional<msg::error> err) { result.set_value(err); });
    return result.get_future().get();
  }

  std::filesystem::path store() const {
    return dir.path() / "images";
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_F(ImageRole, StreamedUploadActivatesAndFetchReturnsTheSameBytes) {
  start_image_node();
  const auto id = create_image();
  const auto data = pattern(5 << 20 | 123, 'a'); // not a whole number of pieces
  auto closed = upload(id, data);
  ASSERT_TRUE(closed) << closed.error.message;
  EXPECT_EQ(closed->status, 204);
  auto image = show(id);
  EXPECT_EQ(image["status"], "active");
  EXPECT_EQ(image["size"], data.size());
  EXPECT_EQ(image["os_hash_algo"], "sha512");
  EXPECT_EQ(image["checksum"].get<std::string>().size(), 32u);

  const auto cached = dir.path() / "cache" / id;
  std::filesystem::create_directories(cached.parent_path());
  auto err = fetch(id, cached);
  ASSERT_FALSE(err) << err->message;
  EXPECT_EQ(read_file(cached), data);
}

TEST_F(ImageRole, FetchRefusesDataThatNoLongerMatchesItsChecksum) {
  start_image_node();
  const auto id = create_image();
  ASSERT_TRUE(upload(id, pattern(300000, 'b')));
  {
    std::fstream f(store() / id, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('!');
  }
  const auto cache = dir.path() / "cache";
  std::filesystem::create_directories(cache);
  auto err = fetch(id, cache / id);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("checksum"), std::string::npos) << err->message;
  EXPECT_TRUE(std::filesystem::is_empty(cache)); // no partial file left
}

TEST_F(ImageRole, AnAbortedUploadPutsTheImageBackToQueuedWithNothingStored) {
  start_image_node();
  const auto id = create_image();
  auto opened = open(id);
  ASSERT_TRUE(opened) << opened.error.message;
  EXPECT_EQ(show(id)["status"], "saving");
  ASSERT_TRUE(ask(msg::api_stream_piece_request{opened->stream_id, std::vector<char>(1000, 'x')}));
  ASSERT_TRUE(ask(msg::api_stream_close_request{opened->stream_id, true}));
  EXPECT_EQ(show(id)["status"], "queued");
  EXPECT_FALSE(std::filesystem::exists(store() / id));
  EXPECT_TRUE(
      test::wait_until([&] { return std::filesystem::is_empty(store() / ".incoming"); }, 5s));
  // The image takes a new upload afterwards.
  ASSERT_TRUE(upload(id, "complete"));
  EXPECT_EQ(show(id)["status"], "active");
}

TEST_F(ImageRole, OfTwoUploadsToOneImageOnlyTheFirstMayStart) {
  start_image_node();
  const auto id = create_image();
  auto first = open(id);
  ASSERT_TRUE(first);
  auto second = open(id);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error.code, msg::errc::conflict);
  ASSERT_TRUE(ask(msg::api_stream_close_request{first->stream_id, false}));
  auto again = upload(id, "more"); // active now: 409 as Glance answers
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error.code, msg::errc::conflict);
}

TEST_F(ImageRole, AnUploadCutByAStopLeavesTheImageQueuedAfterTheRestart) {
  start_image_node();
  const auto id = create_image();
  auto opened = open(id);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(ask(msg::api_stream_piece_request{opened->stream_id, std::vector<char>(4096, 'y')}));
  start_image_node(); // the same state directory: a restart
  EXPECT_EQ(show(id)["status"], "queued");
  EXPECT_TRUE(std::filesystem::is_empty(store() / ".incoming"));
}

TEST_F(ImageRole, OnlyTheOwnerUploads) {
  start_image_node();
  const auto id = create_image();
  auto r = ask(
      msg::api_stream_open_request{operation("image:upload_image", "", {{"image_id", id}})}, "p2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error.code, msg::errc::not_found); // a private matter of p1: not even visible
}

TEST_F(ImageRole, ComesBackAfterACrashWithItsRecords) {
  start_image_node();
  const auto id = create_image();
  auto role = server->dir().resolve(image_role);
  ASSERT_TRUE(role);
  caf::anon_send_exit(role, caf::exit_reason::user_shutdown);
  EXPECT_TRUE(test::wait_until(
      [&] {
        auto r = ask(operation("image:get_image", "", {{"image_id", id}}));
        return r && r->status == 200;
      },
      5s));
}

TEST_F(ImageRole, DataNoRecordNamesIsRemovedAtStart) {
  start_image_node();
  const auto id = create_image();
  ASSERT_TRUE(upload(id, "kept"));
  // As if a stop came between the store's commit and the record's write.
  const auto stray = store() / "0d7e8f2a-3b4c-4d5e-8f90-a1b2c3d4e5f6";
  std::ofstream(stray) << "orphan";
  start_image_node();
  EXPECT_TRUE(test::wait_until([&] { return !std::filesystem::exists(stray); }, 5s));
  EXPECT_TRUE(std::filesystem::exists(store() / id));
  EXPECT_EQ(show(id)["status"], "active");
}
