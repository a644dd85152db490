#include "actors/image/image_fetch.hpp"

#include <fstream>

#include <caf/all.hpp>

#include "drivers/image_store/digest.hpp"
#include "messages/context.hpp"
#include "messages/image.hpp"
#include "runtime/errors.hpp"
#include "runtime/random_id.hpp"

namespace stratus::image {
namespace {

constexpr auto chunk_timeout = std::chrono::seconds(60);
constexpr uint32_t chunk_bytes = 4u << 20;

using image_store::digest;

struct fetch_state {
  caf::actor image_api;
  std::string image_id;
  std::filesystem::path destination;
  std::filesystem::path partial;
  std::ofstream out;
  uint64_t offset = 0;
  digest md5{EVP_md5()};
  digest sha512{EVP_sha512()};
  fetch_done done;

  void finish(std::optional<msg::error> err) {
    out.close();
    std::error_code ec;
    if (!err) {
      std::filesystem::rename(partial, destination, ec);
      if (ec)
        err = msg::error{msg::errc::internal, "cannot place the image: " + ec.message()};
    }
    if (err)
      std::filesystem::remove(partial, ec);
    done(std::move(err));
  }
};

void next_chunk(caf::event_based_actor* self, std::shared_ptr<fetch_state> s) {
  self->request(s->image_api, chunk_timeout, msg::context{},
                msg::image_chunk_request{s->image_id, s->offset, chunk_bytes})
      .then(
          [self, s](msg::image_chunk_reply& chunk) {
            if (!chunk.data.empty()) {
              s->out.write(chunk.data.data(), static_cast<std::streamsize>(chunk.data.size()));
              if (!s->out)
                return s->finish(msg::error{msg::errc::internal, "cannot write the image"});
              const std::string_view piece(chunk.data.data(), chunk.data.size());
              s->md5.update(piece);
              s->sha512.update(piece);
              s->offset += chunk.data.size();
              if (s->offset < chunk.size)
                return next_chunk(self, s);
            }
            if (s->offset != chunk.size)
              return s->finish(
                  msg::error{msg::errc::internal, "image " + s->image_id + " ended early"});
            if (s->md5.hex_final() != chunk.checksum ||
                s->sha512.hex_final() != chunk.os_hash_value)
              return s->finish(msg::error{msg::errc::internal,
                                          "image " + s->image_id + " does not match its checksum"});
            s->finish(std::nullopt);
          },
          [s](caf::error& e) { s->finish(runtime::to_error(e)); });
}

} // namespace

void fetch_image(caf::actor_system& system, const caf::actor& image_api, std::string image_id,
                 std::filesystem::path destination, fetch_done done) {
  auto s = std::make_shared<fetch_state>();
  s->image_api = image_api;
  s->image_id = std::move(image_id);
  s->destination = std::move(destination);
  s->partial = s->destination;
  s->partial += ".part-" + runtime::new_uuid();
  s->done = std::move(done);
  s->out.open(s->partial, std::ios::binary | std::ios::trunc);
  if (!s->out) {
    s->done(msg::error{msg::errc::internal, "cannot create " + s->partial.string()});
    return;
  }
  system.spawn<caf::detached>([s](caf::event_based_actor* self) { next_chunk(self, s); });
}

} // namespace stratus::image
