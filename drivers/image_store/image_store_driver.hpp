#pragma once
// Where image bytes live (Glance's "store"). The image role decides; a store
// only keeps bytes: an upload is written piece by piece to a place no reader
// sees, hashed as it goes, and published under the image's id in one atomic
// step, or not at all. Implementations: filesystem/ (the default).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace stratus::image_store {

/// Failures that cross into the image role (std::system_error carries them).
enum class store_errc {
  too_large = 1, // the upload passed its byte limit
  exists,        // the image already has data (another upload won)
  bad_id,        // not an id this store accepts
  io_error,      // the disk refused (full, read-only, gone)
};

const std::error_category& store_category();
std::error_code make_error_code(store_errc e);

/// What a completed upload stored: Glance's size, checksum (md5) and
/// os_hash_value (sha512), hex.
struct stored_data {
  uint64_t size = 0;
  std::string md5;
  std::string sha512;
};

/// One upload in progress. Destroyed without commit(), it leaves nothing
/// behind. Not thread-safe; calls may come from any one thread at a time.
class upload {
public:
  virtual ~upload() = default;
  /// Appends a piece; throws std::system_error (too_large, io_error).
  virtual void write(std::string_view piece) = 0;
  /// Bytes written so far.
  virtual uint64_t written() const = 0;
  /// Makes the data durable and visible under the image id; throws
  /// std::system_error (exists when another upload committed first, io_error).
  virtual stored_data commit() = 0;
};

class driver {
public:
  virtual ~driver() = default;
  /// Starts an upload for `image_id` of at most `max_bytes`.
  virtual std::unique_ptr<upload> begin_upload(const std::string& image_id, uint64_t max_bytes) = 0;
  /// The file holding an image's data, if it has any (served as it is).
  virtual std::optional<std::filesystem::path> locate(const std::string& image_id) const = 0;
  /// Removes an image's data; false if it had none.
  virtual bool remove(const std::string& image_id) = 0;
  /// The ids of every image that has data here.
  virtual std::vector<std::string> stored_ids() const = 0;
};

} // namespace stratus::image_store

template <> struct std::is_error_code_enum<stratus::image_store::store_errc> : std::true_type {};
