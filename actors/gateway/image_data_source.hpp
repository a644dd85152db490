#pragma once
// An image's data as a response body when the gateway cannot read the
// store's file itself (the image role on another node): pulled from the
// role with image_chunk_request, one piece at a time, as the client reads.

#include <chrono>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/gateway/http_server.hpp"
#include "messages/context.hpp"

namespace stratus::gateway {

std::shared_ptr<body_source> image_data_source(caf::actor_system& system, caf::actor image_role,
                                               msg::context ctx, std::string image_id,
                                               uint64_t offset, std::chrono::milliseconds timeout);

} // namespace stratus::gateway
