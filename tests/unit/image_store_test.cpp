// The filesystem image store on a real directory: data published whole or
// not at all, hashed as Glance hashes it, one winner per image.

#include <stdio.h>

#include <array>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "drivers/image_store/filesystem/filesystem_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace stratus::image_store;
namespace fs = std::filesystem;

namespace {

std::string command_output(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  std::array<char, 4096> buf;
  while (p != nullptr) {
    auto n = std::fread(buf.data(), 1, buf.size(), p);
    if (n == 0)
      break;
    out.append(buf.data(), n);
  }
  if (p)
    ::pclose(p);
  return out.substr(0, out.find(' '));
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

store_errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::system_error& e) {
    EXPECT_EQ(&e.code().category(), &store_category());
    return static_cast<store_errc>(e.code().value());
  }
  ADD_FAILURE() << "no error";
  return store_errc::io_error;
}

} // namespace

TEST(FilesystemStore, PublishesDataWithGlancesHashes) {
  stratus::test::temp_dir dir;
  filesystem_store store(dir.path() / "images");
  auto up = store.begin_upload("img-1", 1u << 30);
  std::string piece(1 << 20, '\0');
  for (std::size_t i = 0; i < piece.size(); ++i)
    piece[i] = static_cast<char>(i * 7);
  EXPECT_FALSE(store.locate("img-1")); // nothing visible before the commit
  for (int i = 0; i < 5; ++i)
    up->write(piece);
  EXPECT_EQ(up->written(), 5u << 20);
  auto stored = up->commit();
  EXPECT_EQ(stored.size, 5u << 20);
  auto path = store.locate("img-1");
  ASSERT_TRUE(path);
  EXPECT_EQ(fs::file_size(*path), 5u << 20);
  EXPECT_EQ(stored.md5, command_output("md5sum " + path->string()));
  EXPECT_EQ(stored.sha512, command_output("sha512sum " + path->string()));
  EXPECT_EQ(entries(dir.path() / "images" / ".incoming"), 0u);
}

TEST(FilesystemStore, AnAbandonedOrOversizedUploadLeavesNothing) {
  stratus::test::temp_dir dir;
  filesystem_store store(dir.path());
  {
    auto up = store.begin_upload("img-1", 100);
    up->write(std::string(60, 'a'));
    EXPECT_EQ(code_of([&] { up->write(std::string(41, 'a')); }), store_errc::too_large);
  }
  {
    auto up = store.begin_upload("img-2", 100);
    up->write("half");
  } // the client went away
  EXPECT_FALSE(store.locate("img-1"));
  EXPECT_FALSE(store.locate("img-2"));
  EXPECT_EQ(entries(dir.path() / ".incoming"), 0u);
}

TEST(FilesystemStore, OfTwoUploadsToOneImageExactlyOneWins) {
  stratus::test::temp_dir dir;
  filesystem_store store(dir.path());
  auto first = store.begin_upload("img", 1000);
  auto second = store.begin_upload("img", 1000);
  first->write("first");
  second->write("second");
  EXPECT_EQ(second->commit().size, 6u);
  EXPECT_EQ(code_of([&] { first->commit(); }), store_errc::exists);
  first.reset();
  std::ifstream in(*store.locate("img"));
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "second");
  EXPECT_EQ(entries(dir.path() / ".incoming"), 0u);
}

TEST(FilesystemStore, RefusesIdsThatCouldEscapeItsDirectory) {
  stratus::test::temp_dir dir;
  filesystem_store store(dir.path() / "images");
  for (const char* bad : {"", "../x", "a/b", ".incoming", "x y", "..."})
    EXPECT_EQ(code_of([&] { store.begin_upload(bad, 10); }), store_errc::bad_id) << bad;
  EXPECT_FALSE(store.locate("../images"));
  EXPECT_FALSE(store.remove("../images"));
}

TEST(FilesystemStore, RemoveAndLeftoversOfACrash) {
  stratus::test::temp_dir dir;
  {
    filesystem_store store(dir.path());
    auto up = store.begin_upload("img", 10);
    up->write("data");
    up->commit();
    std::ofstream(dir.path() / ".incoming" / "img.123") << "cut short";
  }
  filesystem_store reopened(dir.path());
  EXPECT_EQ(entries(dir.path() / ".incoming"), 0u);
  EXPECT_TRUE(reopened.remove("img"));
  EXPECT_FALSE(reopened.locate("img"));
  EXPECT_FALSE(reopened.remove("img"));
}
