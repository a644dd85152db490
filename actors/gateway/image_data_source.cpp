#include "actors/gateway/image_data_source.hpp"

#include "actors/gateway/one_shot_request.hpp"
#include "messages/image.hpp"
#include "runtime/call.hpp"

namespace stratus::gateway {
namespace {

constexpr uint32_t piece_bytes = 4u << 20;

class chunk_source : public body_source {
public:
  chunk_source(caf::actor_system& system, caf::actor role, msg::context ctx, std::string id,
               uint64_t offset, std::chrono::milliseconds timeout)
      : system_(system), role_(std::move(role)), ctx_(std::move(ctx)), id_(std::move(id)),
        offset_(offset), timeout_(timeout) {}

  // The server asks for one piece at a time, so offset_ is never raced.
  void next(uint64_t max_bytes,
            std::function<void(std::string piece, bool failed)> deliver) override {
    // Each piece has a deadline of its own: a download may outlast any one.
    auto ctx = runtime::context_with_deadline(timeout_);
    ctx.request_id = ctx_.request_id;
    ctx.trace_id = ctx_.trace_id;
    ctx.caller = ctx_.caller;
    one_shot_request(
        system_, role_, timeout_, ctx,
        msg::image_chunk_request{id_, offset_,
                                 static_cast<uint32_t>(std::min<uint64_t>(max_bytes, piece_bytes))},
        [this, deliver](msg::image_chunk_reply& chunk) {
          offset_ += chunk.data.size();
          deliver(std::string(chunk.data.begin(), chunk.data.end()), false);
        },
        [deliver](caf::error&) { deliver({}, true); });
  }

private:
  caf::actor_system& system_;
  caf::actor role_;
  msg::context ctx_;
  std::string id_;
  uint64_t offset_;
  std::chrono::milliseconds timeout_;
};

} // namespace

std::shared_ptr<body_source> image_data_source(caf::actor_system& system, caf::actor image_role,
                                               msg::context ctx, std::string image_id,
                                               uint64_t offset, std::chrono::milliseconds timeout) {
  return std::make_shared<chunk_source>(system, std::move(image_role), std::move(ctx),
                                        std::move(image_id), offset, timeout);
}

} // namespace stratus::gateway
