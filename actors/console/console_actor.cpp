#include "actors/console/console_actor.hpp"

#include <chrono>
#include <map>
#include <memory>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "actors/common/json_fields.hpp"
#include "actors/common/record_io.hpp"
#include "actors/console/websocket_proxy.hpp"
#include "messages/console.hpp"
#include "messages/context.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using json = nlohmann::json;
using record_io::load_atom;
using purge_atom = caf::atom_constant<caf::atom("cpurge")>;

constexpr const char* table = "console";
constexpr const char* token_kind = "token";
constexpr auto check_timeout = std::chrono::seconds(5);
constexpr auto purge_every = std::chrono::seconds(60);

/// Tokens are kept by their SHA-256 (hex), as Nova keeps token_hash.
std::string token_hash(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

/// A token as Nova makes them (a version 4 UUID), from the kernel's
/// randomness: it is a secret.
std::string secret_token() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1)
    throw std::runtime_error("no randomness for a console token");
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 15];
  }
  return out;
}

/// "127.0.0.1:6080" → host and port.
std::pair<std::string, uint16_t> host_port(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return {listen, 0};
  return {listen.substr(0, colon), static_cast<uint16_t>(std::stoul(listen.substr(colon + 1)))};
}

class console_actor : public runtime::role_actor {
public:
  console_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)) {
    conductor_ = this->env().setting("conductor", "conductor@" + this->env().node);
    ttl_ = std::stoll(this->env().setting("token_ttl", "600"));
  }

  caf::behavior make_behavior() override {
    start_proxies();
    return record_io::loading(this, [this] { load(); });
  }

  void on_exit() override {
    proxies_.clear(); // their threads end before the actor goes
    role_actor::on_exit();
  }

private:
  /// The two proxies; a token's check is a request to this actor from
  /// the proxy's thread.
  void start_proxies() {
    caf::actor me = caf::actor_cast<caf::actor>(this);
    auto& sys = system();
    auto checker = [me, &sys](std::string kind) {
      return [me, &sys, kind](const std::string& token) -> std::optional<console::console_endpoint> {
        caf::scoped_actor self{sys};
        std::optional<console::console_endpoint> found;
        self->request(me, check_timeout, msg::context{}, msg::check_console_token_request{token, kind})
            .receive([&found](msg::check_console_token_reply& r) { found = {{r.host, r.port}}; },
                     [](caf::error&) {});
        return found;
      };
    };
    for (auto [kind, setting, fallback, files] :
         {std::tuple{"novnc", "novnc_listen", "127.0.0.1:6080", env().setting("novnc_dir", "/usr/share/novnc")},
          std::tuple{"serial", "serial_listen", "127.0.0.1:6083", std::string{}}}) {
      const auto [host, port] = host_port(env().setting(setting, fallback));
      try {
        proxies_.push_back(
            std::make_unique<console::websocket_proxy>(host, port, files, checker(kind)));
        LOG_INFO(env().role, "{} proxy on {}:{}", kind, host, proxies_.back()->port());
      } catch (const std::exception& e) {
        LOG_ERROR(env().role, "no {} proxy: {}", kind, e.what());
      }
    }
  }

  void load() {
    tokens_.clear();
    record_io::load_role_table(
        this, conductor_, table,
        [this](record_change c) {
          if (c.kind == token_kind && c.value)
            tokens_[c.id] = *c.value;
        },
        [this] {
          set_default_handler(caf::print_and_drop);
          become(ready());
          send(this, purge_atom::value);
        });
  }

  caf::behavior ready() {
    return {
        [this](const msg::context& ctx, const msg::authorize_console_request& req)
            -> caf::result<msg::authorize_console_reply> { return authorize(ctx, req); },
        [this](const msg::context& ctx, const msg::check_console_token_request& req)
            -> caf::result<msg::check_console_token_reply> { return check(ctx, req); },
        [this](purge_atom) {
          purge();
          delayed_send(this, purge_every, purge_atom::value);
        },
        [this](load_atom) { load(); },
    };
  }

  caf::result<msg::authorize_console_reply> authorize(const msg::context& ctx,
                                                      const msg::authorize_console_request& req) {
    const auto token = secret_token();
    const auto hash = token_hash(token);
    const int64_t expires = runtime::unix_seconds() + ttl_;
    json record{{"instance_uuid", req.instance_uuid},
                {"console_type", req.console_type},
                {"host", req.host},
                {"port", req.port},
                {"expires_at", expires}};
    auto rp = make_response_promise<msg::authorize_console_reply>();
    record_io::write_role_changes(this, conductor_, ctx, table,
                                  {{token_kind, hash, record, true}},
                                  [this, rp, token, hash, record, expires](
                                      std::optional<msg::error> err) mutable {
                                    if (err) {
                                      rp.deliver(runtime::make_error(*err));
                                      return;
                                    }
                                    tokens_[hash] = record;
                                    rp.deliver(msg::authorize_console_reply{token, expires});
                                  });
    return rp;
  }

  caf::result<msg::check_console_token_reply> check(const msg::context& ctx,
                                                    const msg::check_console_token_request& req) {
    auto it = tokens_.find(token_hash(req.token));
    const auto refused = runtime::make_error(msg::errc::not_found,
                                             "The token is invalid or has expired.");
    if (it == tokens_.end())
      return refused;
    const json record = it->second;
    const auto hash = it->first;
    // Used up now, whatever happens next: a second use is refused even
    // before the conductor has forgotten it.
    tokens_.erase(it);
    if (json_fields::str(record, "console_type") != req.console_type ||
        record.value("expires_at", int64_t{0}) <= runtime::unix_seconds()) {
      forget(ctx, hash);
      return refused;
    }
    auto rp = make_response_promise<msg::check_console_token_reply>();
    record_io::write_role_changes(this, conductor_, ctx, table, {{token_kind, hash, std::nullopt}},
                                  [rp, record](std::optional<msg::error> err) mutable {
                                    if (err) {
                                      rp.deliver(runtime::make_error(*err));
                                      return;
                                    }
                                    rp.deliver(msg::check_console_token_reply{
                                        json_fields::str(record, "instance_uuid"),
                                        json_fields::str(record, "host"),
                                        record.value("port", uint16_t{0})});
                                  });
    return rp;
  }

  void forget(const msg::context& ctx, const std::string& hash) {
    record_io::write_role_changes(this, conductor_, ctx, table, {{token_kind, hash, std::nullopt}},
                                  [](std::optional<msg::error>) {});
  }

  /// Expired tokens leave the database too.
  void purge() {
    const auto now = runtime::unix_seconds();
    std::vector<record_change> gone;
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      if (it->second.value("expires_at", int64_t{0}) <= now) {
        gone.push_back({token_kind, it->first, std::nullopt});
        it = tokens_.erase(it);
      } else {
        ++it;
      }
    }
    if (!gone.empty())
      record_io::write_role_changes(this, conductor_, msg::context{}, table, gone,
                                    [](std::optional<msg::error>) {});
  }

  std::string conductor_;
  int64_t ttl_ = 600;
  std::map<std::string, json> tokens_; // by hash
  std::vector<std::unique_ptr<console::websocket_proxy>> proxies_;
};

} // namespace

caf::actor spawn_console(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<console_actor, caf::linked>(env);
}

} // namespace stratus::actors
