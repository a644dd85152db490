#include "drivers/image_store/filesystem/filesystem_store.hpp"

#include "drivers/image_store/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <future>
#include <cerrno>
#include <random>


namespace stratus::image_store {
namespace fs = std::filesystem;
namespace {

class store_category_impl : public std::error_category {
public:
  const char* name() const noexcept override {
    return "image_store";
  }
  std::string message(int e) const override {
    switch (static_cast<store_errc>(e)) {
    case store_errc::too_large:
      return "the image is larger than allowed";
    case store_errc::exists:
      return "the image already has data";
    case store_errc::bad_id:
      return "not a valid image id";
    case store_errc::io_error:
      return "the store could not read or write";
    }
    return "unknown image store error";
  }
};

[[noreturn]] void fail(store_errc e, const std::string& detail) {
  throw std::system_error(make_error_code(e), detail);
}

[[noreturn]] void fail_io(const std::string& what) {
  throw std::system_error(make_error_code(store_errc::io_error),
                          what + ": " + std::generic_category().message(errno));
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail_io("open " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    fail_io("fsync " + dir.string());
}

/// A page-aligned buffer that grows (O_DIRECT writes need aligned memory).
class aligned_buffer {
public:
  ~aligned_buffer() {
    std::free(data_);
  }
  char* data() {
    return data_;
  }
  /// Makes room for `n` bytes, keeping the first `keep`.
  void reserve(std::size_t n, std::size_t keep) {
    if (n <= capacity_)
      return;
    void* grown = nullptr;
    const std::size_t capacity = (n + block - 1) / block * block;
    if (::posix_memalign(&grown, block, capacity) != 0)
      throw std::bad_alloc();
    std::memcpy(grown, data_, keep);
    std::free(data_);
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
  }
  static constexpr std::size_t block = 4096;

private:
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
};

class filesystem_upload : public upload {
public:
  filesystem_upload(fs::path temp, fs::path final_path, uint64_t max_bytes)
      : temp_(std::move(temp)), final_(std::move(final_path)), max_(max_bytes), md5_(EVP_md5()),
        sha512_(EVP_sha512()) {
    // Direct I/O when the filesystem has it: the data goes to the disk
    // without a copy through the page cache (a third of an upload's CPU).
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
    direct_ = fd_ >= 0;
    if (!direct_)
      fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0)
      fail_io("create " + temp_.string());
  }

  ~filesystem_upload() override {
    if (fd_ >= 0)
      ::close(fd_);
    if (!committed_) {
      std::error_code ec;
      fs::remove(temp_, ec);
    }
  }

  void write(std::string_view piece) override {
    if (written_ + piece.size() > max_)
      fail(store_errc::too_large, "more than " + std::to_string(max_) + " bytes");
    // Both digests cost more than the write: they run beside it.
    auto sha512 = std::async(std::launch::async, [this, piece] { sha512_.update(piece); });
    auto md5 = std::async(std::launch::async, [this, piece] { md5_.update(piece); });
    struct joined {
      std::future<void>& a;
      std::future<void>& b;
      ~joined() {
        a.wait();
        b.wait();
      }
    } join{sha512, md5};
    if (!direct_) {
      write_all(piece);
    } else {
      // Whole blocks go now; the rest waits in the buffer for more data.
      staged_.reserve(tail_ + piece.size(), tail_);
      std::memcpy(staged_.data() + tail_, piece.data(), piece.size());
      const std::size_t total = tail_ + piece.size();
      const std::size_t whole = total / aligned_buffer::block * aligned_buffer::block;
      write_all({staged_.data(), whole});
      tail_ = total - whole;
      std::memmove(staged_.data(), staged_.data() + whole, tail_);
    }
    written_ += piece.size();
  }

  uint64_t written() const override {
    return written_;
  }

  stored_data commit() override {
    if (tail_ > 0) { // the last partial block, through the page cache
      const int flags = ::fcntl(fd_, F_GETFL);
      if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0)
        fail_io("fcntl " + temp_.string());
      write_all({staged_.data(), tail_});
      tail_ = 0;
    }
    if (::fsync(fd_) != 0)
      fail_io("fsync " + temp_.string());
    ::close(fd_);
    fd_ = -1;
    // link() never replaces: of two uploads racing to one image, one wins.
    if (::link(temp_.c_str(), final_.c_str()) != 0) {
      if (errno == EEXIST)
        fail(store_errc::exists, final_.filename().string());
      fail_io("link " + final_.string());
    }
    committed_ = true;
    std::error_code ec;
    fs::remove(temp_, ec);
    fsync_dir(final_.parent_path());
    return {written_, md5_.hex_final(), sha512_.hex_final()};
  }

private:
  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fail_io("write " + temp_.string());
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  fs::path temp_;
  fs::path final_;
  uint64_t max_;
  uint64_t written_ = 0;
  int fd_ = -1;
  bool direct_ = false;
  aligned_buffer staged_; // direct I/O: bytes waiting to fill a block
  std::size_t tail_ = 0;
  bool committed_ = false;
  digest md5_;
  digest sha512_;
};

std::string random_suffix() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::to_string(gen());
}

} // namespace

const std::error_category& store_category() {
  static const store_category_impl category;
  return category;
}

std::error_code make_error_code(store_errc e) {
  return {static_cast<int>(e), store_category()};
}

bool valid_image_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

filesystem_store::filesystem_store(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_ / ".incoming", ec);
  if (ec)
    throw std::system_error(make_error_code(store_errc::io_error),
                            "create " + root_.string() + ": " + ec.message());
  // Uploads a crash cut short: nobody will finish them.
  for (auto& e : fs::directory_iterator(root_ / ".incoming", ec))
    fs::remove(e.path(), ec);
}

std::unique_ptr<upload> filesystem_store::begin_upload(const std::string& image_id,
                                                       uint64_t max_bytes) {
  if (!valid_image_id(image_id))
    fail(store_errc::bad_id, image_id);
  return std::make_unique<filesystem_upload>(
      root_ / ".incoming" / (image_id + "." + random_suffix()), root_ / image_id, max_bytes);
}

std::optional<fs::path> filesystem_store::locate(const std::string& image_id) const {
  if (!valid_image_id(image_id))
    return std::nullopt;
  std::error_code ec;
  auto path = root_ / image_id;
  if (!fs::is_regular_file(path, ec))
    return std::nullopt;
  return path;
}

std::vector<std::string> filesystem_store::stored_ids() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(root_, ec)) {
    auto name = e.path().filename().string();
    if (valid_image_id(name) && e.is_regular_file(ec))
      ids.push_back(std::move(name));
  }
  return ids;
}

bool filesystem_store::remove(const std::string& image_id) {
  if (!valid_image_id(image_id))
    return false;
  std::error_code ec;
  const bool removed = fs::remove(root_ / image_id, ec);
  if (ec)
    throw std::system_error(make_error_code(store_errc::io_error),
                            "remove " + image_id + ": " + ec.message());
  return removed;
}

} // namespace stratus::image_store
