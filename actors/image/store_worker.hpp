#pragma once
// The store side of the image role: threads of their own that do the
// blocking disk work of a store driver, so the image actor never waits on
// the disk. The writer owns every upload in progress (by stream id); the
// reader finds, reads and removes stored data.
//
//   writer: (begin, stream, image, max_bytes) → ok
//           (piece, stream, bytes)            → bytes written so far
//           (commit, stream)                  → (size, md5, sha512)
//           (abort, stream)                   → ok
//   reader: (locate, image)                   → path, "" if no data
//           (read, image, offset, max_bytes)  → bytes (empty at the end)
//           (remove, image)                   → ok
//           (purge, ids to keep)              → how many images' data went
// Failures come back as errors: over_quota (too large), conflict (another
// upload won), internal (the disk).

#include <memory>

#include <caf/fwd.hpp>

namespace stratus::image_store {
class driver;
}

namespace stratus::image {

caf::behavior store_writer(caf::event_based_actor* self,
                           std::shared_ptr<image_store::driver> store);
caf::behavior store_reader(caf::event_based_actor* self,
                           std::shared_ptr<image_store::driver> store);

} // namespace stratus::image
