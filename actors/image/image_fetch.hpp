#pragma once
// How a compute node pulls an image into its local cache: chunk after chunk
// from the image role (image_chunk_request), written to a temporary file
// beside the destination, hashed as it arrives, and renamed into place only
// when its size, md5 and sha512 match what the image role recorded at
// upload. A failed or corrupt fetch leaves nothing behind.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "messages/error.hpp"

namespace stratus::image {

using fetch_done = std::function<void(std::optional<msg::error>)>;

/// Starts the fetch on a thread of its own; `done` is called once, from
/// that thread, with the failure if there is one.
void fetch_image(caf::actor_system& system, const caf::actor& image_api, std::string image_id,
                 std::filesystem::path destination, fetch_done done);

} // namespace stratus::image
