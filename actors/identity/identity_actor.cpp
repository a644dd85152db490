#include "actors/identity/identity_actor.hpp"

#include <chrono>
#include <fstream>
#include <set>

#include <caf/all.hpp>

#include "actors/common/record_io.hpp"
#include "actors/identity/bootstrap.hpp"
#include "actors/identity/identity_api.hpp"
#include "actors/identity/key_repository.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/token_service.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::identity;
using hash_atom = caf::atom_constant<caf::atom("pwhash")>;
using verify_atom = caf::atom_constant<caf::atom("pwverify")>;
using load_atom = caf::atom_constant<caf::atom("load")>;

constexpr auto kdf_timeout = std::chrono::seconds(60);
constexpr auto load_retry = std::chrono::milliseconds(500);
/// Password hashing runs on this many threads of its own.
constexpr int kdf_workers = 2;

/// A thread that hashes and checks passwords, so the identity actor never blocks.
caf::behavior kdf_worker(caf::event_based_actor*) {
  return {
      [](hash_atom, const std::string& password, int cost) {
        return hash_password(password, cost);
      },
      [](verify_atom, const std::string& password, const std::string& hash) {
        return verify_password(password, hash);
      },
  };
}

std::string read_secret(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

class identity_actor : public runtime::role_actor {
public:
  identity_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)),
        keys_(this->env().setting("key_dir", (this->env().state_dir / "fernet-keys").string()),
              std::stoi(this->env().setting("max_active_keys", "3"))),
        settings_{std::stoll(this->env().setting("token_ttl_seconds", "86400")),
                  std::stoi(this->env().setting("password_cost", "12"))},
        tokens_(store_, keys_, settings_.token_ttl_seconds), api_(store_, tokens_, settings_) {
    boot_.public_url = this->env().setting("public_url", "http://127.0.0.1:5000");
    boot_.region = this->env().setting("region", "RegionOne");
    boot_.admin_user = this->env().setting("admin_user", "admin");
    boot_.admin_project = this->env().setting("admin_project", "admin");
    conductor_name_ = this->env().setting("conductor", "conductor@" + this->env().node);
  }

  caf::behavior make_behavior() override {
    for (int i = 0; i < kdf_workers; ++i)
      workers_.push_back(spawn<caf::detached + caf::linked>(kdf_worker));
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
        [this](const msg::context&,
               const msg::validate_token_request& req) -> caf::result<msg::validate_token_reply> {
          auto validated = tokens_.validate(req.token, runtime::unix_seconds());
          if (auto* refusal = std::get_if<token_refusal>(&validated))
            return runtime::make_error(msg::errc::unauthorized, refusal->reason);
          return msg::validate_token_reply{std::get<msg::token_info>(validated)};
        },
        [this](const msg::context& ctx,
               const msg::rotate_keys_request& req) -> caf::result<msg::rotate_keys_reply> {
          try {
            const auto active = tokens_.rotate_keys();
            STRATUS_LOG(spdlog::level::info, env().role, ctx.request_id,
                        "Fernet keys rotated ({}); {} keys active", req.reason, active);
            return msg::rotate_keys_reply{static_cast<uint32_t>(active)};
          } catch (const std::exception& e) { // the disk, not us: the old keys stay in use
            return runtime::make_error(msg::errc::internal,
                                       std::string{"key rotation failed: "} + e.what());
          }
        },
        [this](const msg::context&, const msg::watch_revocations_request& req) {
          subscribers_.insert(req.subscriber);
          msg::revocations_reply out;
          for (auto& [id, r] : store_.all("revocation"))
            out.events.push_back(revocation_from_record(r));
          return out;
        },
    };
  }

  // -- start: load every record, then bootstrap ------------------------------

  void load() {
    auto conductor = env().dir->resolve(conductor_name_);
    if (!conductor) {
      delayed_send(this, load_retry, load_atom::value);
      return;
    }
    record_io::load_table(
        this, conductor, "identity", [this](store_change c) { store_.apply(c); },
        [this] { bootstrap(); },
        [this](const std::string& reason) {
          LOG_WARN(env().role, "loading identity records failed ({}); retrying", reason);
          store_ = identity_store{};
          delayed_send(this, load_retry, load_atom::value);
        });
  }

  void bootstrap() {
    if (!needs_bootstrap(store_, boot_)) {
      start_serving();
      return;
    }
    std::string password = env().setting("admin_password", "");
    if (auto file = env().setting("admin_password_file", ""); password.empty() && !file.empty())
      password = read_secret(file);
    request(workers_.front(), kdf_timeout, hash_atom::value, password, settings_.password_cost)
        .then([this, empty = password.empty()](std::string& hash) {
          if (empty)
            LOG_WARN(env().role, "no admin_password or admin_password_file: the admin user has "
                                 "no password until one is set");
          auto changes = bootstrap_changes(store_, boot_, empty ? std::string{} : hash);
          api_result r;
          r.changes = std::move(changes);
          write(msg::context{}, std::move(r), [this](std::optional<msg::error> err) {
            if (err) {
              LOG_ERROR(env().role, "bootstrap failed: {}", err->message);
              delayed_send(this, load_retry, load_atom::value);
              return;
            }
            LOG_INFO(env().role, "bootstrapped: admin user, project, roles and catalog");
            start_serving();
          });
        });
  }

  void start_serving() {
    LOG_INFO(env().role, "serving {} users, {} projects", store_.all("user").size(),
             store_.all("project").size());
    set_default_handler(caf::print_and_drop);
    become(ready());
  }

  // -- carrying out an operation's result -------------------------------------

  void carry_out(const msg::context& ctx, api_result r,
                 caf::typed_response_promise<msg::api_call_reply> rp) {
    if (r.kdf) {
      auto job = r.kdf;
      auto worker = workers_[next_worker_++ % workers_.size()];
      auto next = [this, ctx, job, rp](bool matched, const std::string& hash) mutable {
        carry_out(ctx, job->then(matched, hash), rp);
      };
      if (job->verify)
        request(worker, kdf_timeout, verify_atom::value, job->password, job->hash)
            .then([next](bool matched) mutable { next(matched, ""); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
      else
        request(worker, kdf_timeout, hash_atom::value, job->password, settings_.password_cost)
            .then([next](std::string& hash) mutable { next(true, hash); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
      return;
    }
    if (r.error) {
      rp.deliver(runtime::make_error(r.error->code, r.error->message));
      return;
    }
    if (r.changes.empty() && r.revoked.empty()) {
      rp.deliver(std::move(r.reply));
      return;
    }
    auto reply = std::move(r.reply);
    write(ctx, std::move(r), [rp, reply = std::move(reply)](std::optional<msg::error> err) mutable {
      if (err)
        rp.deliver(runtime::make_error(err->code, err->message));
      else
        rp.deliver(std::move(reply));
    });
  }

  /// Applies the changes to the cache at once (later requests see them),
  /// writes them through the conductor, and undoes them if that fails.
  template <class Done> void write(const msg::context& ctx, api_result r, Done done) {
    const int64_t now = runtime::unix_seconds();
    for (auto& e : r.revoked)
      r.changes.push_back({"revocation", new_id(), revocation_record(e)});
    for (auto& [id, rec] : store_.all("revocation")) // expired events go with any write
      if (revocation_from_record(rec).expires_at < now)
        r.changes.push_back({"revocation", id, std::nullopt});
    std::vector<store_change> undo;
    for (auto& c : r.changes)
      undo.push_back(store_.apply(c));
    auto conductor = env().dir->resolve(conductor_name_);
    auto finish = [this, undo, done, revoked = std::move(r.revoked)](
                      std::optional<msg::error> err) mutable {
      if (err) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it)
          store_.apply(*it);
      } else {
        for (auto& e : revoked)
          publish(e);
      }
      done(std::move(err));
    };
    if (!conductor) {
      finish(msg::error{msg::errc::unavailable, "the conductor is not reachable"});
      return;
    }
    record_io::write_changes(this, conductor, ctx, "identity", r.changes, std::move(finish));
  }

  void publish(const msg::revocation_event& e) {
    for (auto& name : subscribers_)
      if (auto target = env().dir->resolve(name))
        send(target, msg::context{}, msg::revocation_notice{e});
  }

  identity_store store_;
  key_repository keys_;
  identity_settings settings_;
  token_service tokens_;
  identity_api api_;
  bootstrap_settings boot_;
  std::string conductor_name_;
  std::vector<caf::actor> workers_;
  std::size_t next_worker_ = 0;
  std::set<std::string> subscribers_;
};

} // namespace

caf::actor spawn_identity(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<identity_actor, caf::linked>(env);
}

} // namespace stratus::actors
