#pragma once
// Messages of the image role besides the API operations: how a compute node
// pulls an image's data into its local cache, piece by piece, and checks it
// against the checksums the image role recorded at upload.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

struct image_chunk_reply {
  STRATUS_MESSAGE("image.chunk_reply", 1, 1) // 1: initial
  std::vector<char> data;                    // empty at the end of the data
  uint64_t size = 0;                         // the image's whole size
  std::string checksum;                      // md5, hex (Glance's `checksum`)
  std::string os_hash_value;                 // sha512, hex
  STRATUS_FIELDS(data, size, checksum, os_hash_value)
};

/// Reads up to `max_bytes` of an active image's data from `offset`.
/// not_found: no such image, or it has no data; forbidden: deactivated.
struct image_chunk_request {
  STRATUS_MESSAGE("image.chunk_request", 1, 1) // 1: initial
  using reply_type = image_chunk_reply;
  std::string image_id;
  uint64_t offset = 0;
  uint32_t max_bytes = 4u << 20;
  STRATUS_FIELDS(image_id, offset, max_bytes)
};

} // namespace stratus::msg
