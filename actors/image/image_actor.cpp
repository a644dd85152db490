#include "actors/image/image_actor.hpp"

#include <chrono>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/common/comma_list.hpp"
#include "actors/common/record_io.hpp"
#include "actors/image/image_api.hpp"
#include "actors/image/store_atoms.hpp"
#include "actors/image/store_worker.hpp"
#include "drivers/image_store/filesystem/filesystem_store.hpp"
#include "messages/image.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/random_id.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::image;
using load_atom = caf::atom_constant<caf::atom("load")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

constexpr auto load_retry = std::chrono::milliseconds(500);
constexpr auto store_timeout = std::chrono::minutes(10); // a commit fsyncs the whole image
constexpr auto sweep_interval = std::chrono::seconds(30);

/// "10GB" → bytes (Glance's user_storage_quota units, powers of 1024).
uint64_t parse_bytes(const std::string& text) {
  std::size_t end = 0;
  const uint64_t n = std::stoull(text, &end);
  std::string unit = text.substr(end);
  if (unit.ends_with("B") && unit.size() > 1)
    unit.pop_back();
  static const std::map<std::string, int> shifts{{"", 0},   {"B", 0},  {"K", 10},
                                                 {"M", 20}, {"G", 30}, {"T", 40}};
  auto it = shifts.find(unit);
  if (it == shifts.end())
    throw std::runtime_error("not a size: " + text);
  return n << it->second;
}

image_settings settings_from(const runtime::role_env& env) {
  image_settings s;
  s.image_size_cap = parse_bytes(env.setting("image_size_cap", "1099511627776"));
  s.user_storage_quota = parse_bytes(env.setting("user_storage_quota", "0"));
  if (auto f = env.setting("disk_formats", ""); !f.empty())
    s.disk_formats = api_support::comma_list(f);
  if (auto f = env.setting("container_formats", ""); !f.empty())
    s.container_formats = api_support::comma_list(f);
  return s;
}

class image_actor : public runtime::role_actor {
public:
  image_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)), api_(registry_, settings_from(this->env())) {
    conductor_name_ = this->env().setting("conductor", "conductor@" + this->env().node);
    upload_idle_seconds_ = std::stoll(this->env().setting("upload_idle_seconds", "300"));
  }

  caf::behavior make_behavior() override {
    auto store = std::make_shared<image_store::filesystem_store>(
        env().setting("store_dir", (env().state_dir / "images").string()));
    writer_ = spawn<caf::detached + caf::linked>(store_writer, store);
    reader_ = spawn<caf::detached + caf::linked>(store_reader, store);
    // Until the records are loaded, every request waits in the mailbox.
    set_default_handler(caf::skip);
    send(this, load_atom::value);
    return {[this](load_atom) { load(); }};
  }

private:
  caf::behavior ready() {
    return {
        [this](const msg::context& ctx,
               const msg::api_call_request& req) -> caf::result<msg::api_call_reply> {
          auto rp = make_response_promise<msg::api_call_reply>();
          carry_out(ctx, api_.handle(ctx, req, runtime::unix_seconds()), rp);
          return rp;
        },
        [this](const msg::context& ctx, const msg::api_stream_open_request& req)
            -> caf::result<msg::api_stream_open_reply> { return open_stream(ctx, req.call); },
        [this](const msg::context&, msg::api_stream_piece_request& req)
            -> caf::result<msg::api_stream_piece_reply> { return take_piece(req); },
        [this](const msg::context& ctx, const msg::api_stream_close_request& req)
            -> caf::result<msg::api_call_reply> { return close_stream(ctx, req); },
        [this](const msg::context&, const msg::image_chunk_request& req)
            -> caf::result<msg::image_chunk_reply> { return read_chunk(req); },
        [this](sweep_atom) { sweep(); },
    };
  }

  // -- start: load every record, then put right what a crash left -------------

  void load() {
    auto conductor = env().dir->resolve(conductor_name_);
    if (!conductor) {
      delayed_send(this, load_retry, load_atom::value);
      return;
    }
    registry_ = image_registry{}; // a retry starts afresh
    record_io::load_table(
        this, conductor, "image", [this](registry_change c) { registry_.apply(c); },
        [this] { recover(); },
        [this](const std::string& reason) {
          LOG_WARN(env().role, "loading image records failed ({}); retrying", reason);
          delayed_send(this, load_retry, load_atom::value);
        });
  }

  /// Uploads cut short by a stop left images in "saving" (the store already
  /// dropped their partial data): they go back to "queued", as Glance does.
  /// Data no image owns any more (a stop between the store's commit and the
  /// record's write, or before a deleted image's data went) is removed.
  void recover() {
    std::vector<registry_change> changes;
    std::set<std::string> with_data;
    for (auto& [id, image] : registry_.images()) {
      const auto status = str(image, "status");
      if (status == "active" || status == "deactivated")
        with_data.insert(id);
      if (status == "saving") {
        json updated = image;
        updated["status"] = "queued";
        changes.push_back({"image", id, std::move(updated)});
      }
    }
    // Serving starts once the store is clean, so no new upload can race the purge.
    request(reader_, store_timeout, purge_atom::value, std::move(with_data))
        .then(
            [this, changes](uint64_t removed) mutable {
              if (removed > 0)
                LOG_WARN(env().role, "removed the data of {} images that no record names", removed);
              reset_and_serve(std::move(changes));
            },
            [this](caf::error& e) {
              LOG_ERROR(env().role, "looking for stray image data failed: {}",
                        runtime::to_error(e).message);
              delayed_send(this, load_retry, load_atom::value);
            });
  }

  void reset_and_serve(std::vector<registry_change> changes) {
    write(msg::context{}, std::move(changes), [this](std::optional<msg::error> err) {
      if (err) {
        LOG_ERROR(env().role, "resetting interrupted uploads failed: {}", err->message);
        delayed_send(this, load_retry, load_atom::value);
        return;
      }
      LOG_INFO(env().role, "serving {} images", registry_.images().size());
      set_default_handler(caf::print_and_drop);
      become(ready());
      delayed_send(this, sweep_interval, sweep_atom::value);
    });
  }

  // -- carrying out an operation's result --------------------------------------

  void carry_out(const msg::context& ctx, api_result r,
                 caf::typed_response_promise<msg::api_call_reply> rp) {
    if (r.error) {
      rp.deliver(runtime::make_error(*r.error));
      return;
    }
    auto changes = std::move(r.changes);
    write(ctx, std::move(changes),
          [this, r = std::move(r), rp](std::optional<msg::error> err) mutable {
            if (err) {
              rp.deliver(runtime::make_error(*err));
              return;
            }
            for (auto& id : r.remove_data)
              caf::anon_send(reader_, remove_atom::value, id); // nobody waits for the answer
            if (r.serve_data.empty()) {
              rp.deliver(std::move(r.reply));
              return;
            }
            request(reader_, store_timeout, locate_atom::value, r.serve_data)
                .then(
                    [rp, reply = std::move(r.reply)](std::string& path) mutable {
                      if (path.empty()) {
                        rp.deliver(runtime::make_error(msg::errc::not_found,
                                                       "The image data is missing."));
                        return;
                      }
                      reply.headers.push_back({"x-stratus-local-file", path});
                      rp.deliver(std::move(reply));
                    },
                    [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
          });
  }

  /// Applies the changes to the cache at once (later requests see them),
  /// writes them through the conductor, and undoes them if that fails.
  template <class Done>
  void write(const msg::context& ctx, std::vector<registry_change> changes, Done done) {
    if (changes.empty()) {
      done(std::nullopt);
      return;
    }
    std::vector<registry_change> undo;
    for (auto& c : changes)
      undo.push_back(registry_.apply(c));
    auto finish = [this, undo, done](std::optional<msg::error> err) mutable {
      if (err)
        for (auto it = undo.rbegin(); it != undo.rend(); ++it)
          registry_.apply(*it);
      done(std::move(err));
    };
    auto conductor = env().dir->resolve(conductor_name_);
    if (!conductor) {
      finish(msg::error{msg::errc::unavailable, "the conductor is not reachable"});
      return;
    }
    record_io::write_changes(this, conductor, ctx, "image", changes, std::move(finish));
  }

  // -- uploads -------------------------------------------------------------------

  struct stream {
    upload_grant grant;
    uint64_t received = 0;
    int64_t last_active = 0;
  };

  caf::result<msg::api_stream_open_reply> open_stream(const msg::context& ctx,
                                                      const msg::api_call_request& call) {
    if (call.operation != "image:upload_image")
      return runtime::make_error(msg::errc::not_found,
                                 "The image service streams no body for " + call.operation);
    std::map<std::string, uint64_t> uploading;
    for (auto& [id, s] : streams_)
      uploading[s.grant.owner] += s.received;
    upload_grant grant;
    auto r = api_.begin_upload(ctx, call, runtime::unix_seconds(), uploading, grant);
    if (r.error)
      return runtime::make_error(*r.error);
    auto rp = make_response_promise<msg::api_stream_open_reply>();
    write(ctx, std::move(r.changes), [this, rp, grant](std::optional<msg::error> err) mutable {
      if (err) {
        rp.deliver(runtime::make_error(*err));
        return;
      }
      const auto id = runtime::new_uuid();
      request(writer_, store_timeout, begin_atom::value, id, grant.image_id, grant.max_bytes)
          .then(
              [this, rp, grant, id](bool) mutable {
                streams_[id] = stream{grant, 0, runtime::unix_seconds()};
                rp.deliver(msg::api_stream_open_reply{id});
              },
              [this, rp, grant](caf::error& e) mutable {
                revert(grant, true);
                rp.deliver(std::move(e));
              });
    });
    return rp;
  }

  caf::result<msg::api_stream_piece_reply> take_piece(msg::api_stream_piece_request& req) {
    auto it = streams_.find(req.stream_id);
    if (it == streams_.end())
      return runtime::make_error(msg::errc::not_found, "No such upload in progress.");
    it->second.last_active = runtime::unix_seconds();
    auto rp = make_response_promise<msg::api_stream_piece_reply>();
    request(writer_, store_timeout, piece_atom::value, req.stream_id, std::move(req.data))
        .then(
            [this, rp, id = req.stream_id](uint64_t written) mutable {
              if (auto s = streams_.find(id); s != streams_.end())
                s->second.received = written;
              rp.deliver(msg::api_stream_piece_reply{written});
            },
            [this, rp, id = req.stream_id](caf::error& e) mutable {
              auto err = runtime::to_error(e);
              end_stream(id, err.code != msg::errc::over_quota);
              if (err.code == msg::errc::over_quota)
                err.message = "The image exceeds the size cap or the storage quota.";
              rp.deliver(runtime::make_error(err));
            });
    return rp;
  }

  caf::result<msg::api_call_reply> close_stream(const msg::context& ctx,
                                                const msg::api_stream_close_request& req) {
    auto it = streams_.find(req.stream_id);
    if (it == streams_.end())
      return runtime::make_error(msg::errc::not_found, "No such upload in progress.");
    if (req.aborted) {
      end_stream(req.stream_id, false);
      return msg::api_call_reply{204, {}, {}};
    }
    const auto grant = it->second.grant;
    streams_.erase(it);
    auto rp = make_response_promise<msg::api_call_reply>();
    request(writer_, store_timeout, commit_atom::value, req.stream_id)
        .then(
            [this, ctx, rp, grant](uint64_t size, std::string& md5, std::string& sha512) mutable {
              carry_out(ctx, api_.finish_upload(grant, size, md5, sha512, runtime::unix_seconds()),
                        rp);
            },
            [this, rp, grant](caf::error& e) mutable {
              revert(grant, true);
              rp.deliver(std::move(e));
            });
    return rp;
  }

  /// Drops an upload in progress and puts its image back (queued, or
  /// killed when the store failed).
  void end_stream(const std::string& id, bool killed) {
    auto it = streams_.find(id);
    if (it == streams_.end())
      return;
    auto grant = it->second.grant;
    streams_.erase(it);
    caf::anon_send(writer_, abort_atom::value, id);
    revert(grant, killed);
  }

  void revert(const upload_grant& grant, bool killed) {
    auto r = api_.revert_upload(grant, killed, runtime::unix_seconds());
    write(msg::context{}, std::move(r.changes), [this, grant](std::optional<msg::error> err) {
      if (err)
        LOG_WARN(env().role, "image {} stays in 'saving': {}", grant.image_id, err->message);
    });
  }

  /// Uploads whose client went quiet without the gateway noticing.
  void sweep() {
    delayed_send(this, sweep_interval, sweep_atom::value);
    const auto now = runtime::unix_seconds();
    std::vector<std::string> idle;
    for (auto& [id, s] : streams_)
      if (now - s.last_active > upload_idle_seconds_)
        idle.push_back(id);
    for (auto& id : idle) {
      LOG_WARN(env().role, "upload {} idle for {} s: abandoned", id, upload_idle_seconds_);
      end_stream(id, false);
    }
  }

  // -- compute nodes' fetch ---------------------------------------------------------

  caf::result<msg::image_chunk_reply> read_chunk(const msg::image_chunk_request& req) {
    const json* image = registry_.image(req.image_id);
    if (!image)
      return runtime::make_error(msg::errc::not_found, "No image found with ID " + req.image_id);
    const auto status = str(*image, "status");
    if (status == "deactivated")
      return runtime::make_error(msg::errc::forbidden,
                                 "Image " + req.image_id + " is deactivated.");
    if (status != "active")
      return runtime::make_error(msg::errc::not_found, "Image " + req.image_id + " has no data.");
    msg::image_chunk_reply reply;
    reply.size = count(*image, "size");
    reply.checksum = str(*image, "checksum");
    reply.os_hash_value = str(*image, "os_hash_value");
    auto rp = make_response_promise<msg::image_chunk_reply>();
    const uint32_t max = std::min<uint32_t>(req.max_bytes, 8u << 20);
    request(reader_, store_timeout, read_atom::value, req.image_id, req.offset, max)
        .then(
            [rp, reply](std::vector<char>& data) mutable {
              reply.data = std::move(data);
              rp.deliver(std::move(reply));
            },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    return rp;
  }

  image_registry registry_;
  image_api api_;
  std::string conductor_name_;
  int64_t upload_idle_seconds_ = 300;
  caf::actor writer_;
  caf::actor reader_;
  std::map<std::string, stream> streams_;
};

} // namespace

caf::actor spawn_image(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<image_actor, caf::linked>(env);
}

} // namespace stratus::actors
