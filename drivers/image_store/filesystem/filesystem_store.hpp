#pragma once
// The filesystem store: an image's data is the file <root>/<image id>.
// Uploads go to <root>/.incoming/<id>.<random>, are fsynced, then linked
// into place without replacing anything (so of two uploads to one image
// exactly one wins) and the directory fsynced. Leftovers of uploads cut
// short by a crash are removed when the store opens.

#include <filesystem>

#include "drivers/image_store/image_store_driver.hpp"

namespace stratus::image_store {

class filesystem_store : public driver {
public:
  /// Opens (creating) the store under `root`; throws std::system_error.
  explicit filesystem_store(std::filesystem::path root);

  std::unique_ptr<upload> begin_upload(const std::string& image_id, uint64_t max_bytes) override;
  std::optional<std::filesystem::path> locate(const std::string& image_id) const override;
  bool remove(const std::string& image_id) override;
  std::vector<std::string> stored_ids() const override;

  const std::filesystem::path& root() const {
    return root_;
  }

private:
  std::filesystem::path root_;
};

/// Whether `id` may name a file here: 1–64 characters of [0-9a-zA-Z_-].
bool valid_image_id(const std::string& id);

} // namespace stratus::image_store
