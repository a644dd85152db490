// The Glance operations as plain functions of the registry: listing order
// and pagination (also among images created in the same second), who sees
// what, and the upload status machine with its size limits.

#include <gtest/gtest.h>

#include "actors/image/image_api.hpp"

using namespace stratus;
using namespace stratus::image;

namespace {

class ImageApi : public ::testing::Test {
protected:
  image_registry registry;
  image_settings settings;
  std::unique_ptr<image_api> api;
  int64_t now = 1'800'000'000;

  void SetUp() override {
    settings.user_storage_quota = 1000;
    settings.image_size_cap = 600;
    api = std::make_unique<image_api>(registry, settings);
  }

  static msg::context as(const std::string& project, bool admin = false) {
    msg::context ctx;
    ctx.caller.user_id = "u-" + project;
    ctx.caller.project_id = project;
    ctx.caller.roles = {admin ? "admin" : "member"};
    return ctx;
  }

  static msg::api_call_request op(std::string name, std::string body = "",
                                  msg::named_values path = {}, msg::named_values query = {}) {
    msg::api_call_request r;
    r.operation = std::move(name);
    r.body = std::move(body);
    r.path = std::move(path);
    r.query = std::move(query);
    r.base_url = "http://test";
    return r;
  }

  /// Runs an operation and applies its changes, as the actor would.
  api_result run(const msg::context& ctx, const msg::api_call_request& req) {
    auto r = api->handle(ctx, req, now);
    for (auto& c : r.changes)
      registry.apply(c);
    return r;
  }

  std::string create(const std::string& project, const json& attrs = json::object()) {
    json body = attrs;
    body["disk_format"] = "raw";
    body["container_format"] = "bare";
    auto r = run(as(project), op("image:add_image", body.dump()));
    EXPECT_FALSE(r.error) << r.error->message;
    return json::parse(r.reply.body)["id"];
  }

  std::vector<std::string> list(const msg::context& ctx, msg::named_values query,
                                std::string* next = nullptr) {
    auto r = run(ctx, op("image:get_images", "", {}, std::move(query)));
    EXPECT_FALSE(r.error) << (r.error ? r.error->message : "");
    std::vector<std::string> ids;
    auto body = json::parse(r.reply.body);
    for (auto& i : body["images"])
      ids.push_back(i["id"]);
    if (next)
      *next = body.value("next", "");
    return ids;
  }
};

} // namespace

TEST_F(ImageApi, ListsNewestFirstAndPagesThroughImagesOfTheSameSecond) {
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i)
    made.push_back(create("p1")); // all at the same `now`
  now += 1;
  const auto newest = create("p1");
  auto first = list(as("p1"), {{"limit", "3"}});
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0], newest);
  std::vector<std::string> all = first;
  std::string next;
  while (true) {
    auto page = list(as("p1"), {{"limit", "3"}, {"marker", all.back()}}, &next);
    all.insert(all.end(), page.begin(), page.end());
    if (next.empty())
      break;
  }
  EXPECT_EQ(all.size(), 8u);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end()); // none twice
}

TEST_F(ImageApi, ANextLinkOnlyWhenMoreFollow) {
  create("p1");
  create("p1");
  std::string next;
  list(as("p1"), {{"limit", "2"}}, &next);
  EXPECT_EQ(next, "");
  list(as("p1"), {{"limit", "1"}}, &next);
  EXPECT_NE(next.find("marker="), std::string::npos);
  EXPECT_NE(next.find("limit=1"), std::string::npos);
}

TEST_F(ImageApi, WhoSeesWhat) {
  const auto priv = create("p1", {{"visibility", "private"}});
  const auto community = create("p1", {{"visibility", "community"}});
  const auto shared = create("p1");
  const auto hidden = create("p1", {{"os_hidden", true}});
  // The owner sees its own, hidden ones only when asked.
  auto own = list(as("p1"), {});
  EXPECT_EQ(own.size(), 3u);
  EXPECT_EQ(list(as("p1"), {{"os_hidden", "true"}}), std::vector<std::string>{hidden});
  // Others: community only when asked for; shared ones once accepted.
  EXPECT_TRUE(list(as("p2"), {}).empty());
  EXPECT_EQ(list(as("p2"), {{"visibility", "community"}}), std::vector<std::string>{community});
  ASSERT_FALSE(
      run(as("p1"), op("image:add_member", R"({"member": "p2"})", {{"image_id", shared}})).error);
  EXPECT_TRUE(list(as("p2"), {}).empty());
  EXPECT_EQ(list(as("p2"), {{"member_status", "pending"}}), std::vector<std::string>{shared});
  ASSERT_FALSE(run(as("p2"), op("image:modify_member", R"({"status": "accepted"})",
                                {{"image_id", shared}, {"member_id", "p2"}}))
                   .error);
  EXPECT_EQ(list(as("p2"), {}), std::vector<std::string>{shared});
  // Admins see everything listed; the private image stays private to others.
  EXPECT_EQ(list(as("adm", true), {}).size(), 3u);
  auto shown = run(as("p2"), op("image:get_image", "", {{"image_id", priv}}));
  ASSERT_TRUE(shown.error);
  EXPECT_EQ(shown.error->code, msg::errc::not_found);
}

TEST_F(ImageApi, UploadsFollowTheStatusMachineWithinCapAndQuota) {
  const auto id = create("p1");
  auto upload = op("image:upload_image", "", {{"image_id", id}});
  upload_grant grant;
  // Declared larger than the cap: refused before any byte.
  upload.headers = {{"content-length", "601"}};
  auto r = api->begin_upload(as("p1"), upload, now, {}, grant);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::over_quota);
  // Within it: saving, with what the quota leaves as the limit.
  upload.headers.clear();
  r = api->begin_upload(as("p1"), upload, now, {{"p1", 700}}, grant);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(grant.max_bytes, 300u); // 1000 quota - 700 being uploaded elsewhere
  for (auto& c : r.changes)
    registry.apply(c);
  EXPECT_EQ(registry.image(id)->at("status"), "saving");
  // A second upload meanwhile: 409.
  upload_grant other;
  r = api->begin_upload(as("p1"), upload, now, {}, other);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, msg::errc::conflict);
  // Done: active with the store's figures, and counted in the usage.
  r = api->finish_upload(grant, 250, "md5hex", "sha512hex", now);
  for (auto& c : r.changes)
    registry.apply(c);
  EXPECT_EQ(registry.image(id)->at("status"), "active");
  EXPECT_EQ(registry.image(id)->at("checksum"), "md5hex");
  EXPECT_EQ(registry.stored_bytes("p1"), 250u);
}

TEST_F(ImageApi, AnImageDeletedDuringItsUploadIsGoneAfterIt) {
  const auto id = create("p1");
  upload_grant grant;
  auto r =
      api->begin_upload(as("p1"), op("image:upload_image", "", {{"image_id", id}}), now, {}, grant);
  for (auto& c : r.changes)
    registry.apply(c);
  ASSERT_FALSE(run(as("p1"), op("image:delete_image", "", {{"image_id", id}})).error);
  r = api->finish_upload(grant, 10, "a", "b", now);
  EXPECT_EQ(r.reply.status, 410);
  EXPECT_EQ(r.remove_data, std::vector<std::string>{id}); // its bytes go too
}

TEST_F(ImageApi, KernelAndRamdiskIdsMustBeUuids) {
  auto bad = run(as("p1"), op("image:add_image", R"({"kernel_id": "vmlinuz"})"));
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->code, msg::errc::invalid);
  const auto kernel = create("p1", {{"disk_format", "aki"}});
  const auto ami = create("p1", {{"kernel_id", kernel}, {"ramdisk_id", nullptr}});
  EXPECT_EQ(registry.image(ami)->at("kernel_id"), kernel);
}
