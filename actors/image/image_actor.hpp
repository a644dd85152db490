#pragma once
// The image role (Glance v2): the image API, its registry and its store.
//
// Interface (requests carry a msg::context first):
//   api_call_request         -> api_call_reply        (operations "image:*")
//   api_stream_open_request  -> api_stream_open_reply (image:upload_image)
//   api_stream_piece_request -> api_stream_piece_reply
//   api_stream_close_request -> api_call_reply
//   image_chunk_request      -> image_chunk_reply     (compute nodes' fetch)
//
// Metadata goes through the conductor (table "image"), cached here and
// rebuilt at start; data goes to a store driver (the filesystem under
// <state dir>/images by default) on worker threads. A download's reply
// names the stored file in the header x-stratus-local-file, which the
// gateway turns into the response body.

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "image-api". Settings: conductor ("conductor@<this node>"),
/// store_dir (<state dir>/images), image_size_cap (1 TiB),
/// user_storage_quota (0 = none; bytes, or with KB/MB/GB/TB), disk_formats
/// and container_formats (comma lists), upload_idle_seconds (300).
caf::actor spawn_image(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
