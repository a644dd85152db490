#include "actors/gateway/gateway_actor.hpp"

#include <fstream>
#include <sstream>

#include <caf/all.hpp>

#include "actors/gateway/default_policy.hpp"
#include "actors/gateway/http_server.hpp"
#include "actors/gateway/request_pipeline.hpp"
#include "messages/context.hpp"
#include "messages/identity.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::gateway;
using watch_atom = caf::atom_constant<caf::atom("watch")>;

/// How often the gateway renews its revocation subscription (and so
/// re-subscribes after an identity restart).
constexpr auto watch_interval = std::chrono::seconds(5);
constexpr auto watch_timeout = std::chrono::seconds(5);
/// Tokens the gateway remembers at most (the cache empties when full).
constexpr std::size_t max_cached_tokens = 100000;

policy load_policy(const runtime::role_env& env) {
  policy p;
  add_default_rules(p);
  const auto file = env.setting("policy_file", "");
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in)
      throw std::runtime_error("cannot read policy file " + file);
    std::stringstream text;
    text << in.rdbuf();
    p.load_file(text.str());
  }
  return p;
}

http_server_options listen_options(const runtime::role_env& env) {
  http_server_options o;
  const auto listen = env.setting("listen", "127.0.0.1:5000");
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("gateway listen must be address:port, not " + listen);
  o.address = listen.substr(0, colon);
  o.port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
  o.threads = std::stoul(env.setting("http_threads", "1"));
  return o;
}

class gateway_actor : public runtime::role_actor {
public:
  gateway_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)),
        tokens_(std::make_shared<token_cache>(
            std::stoll(this->env().setting("token_cache_seconds", "300")), max_cached_tokens)),
        verifier_(std::make_shared<token_verifier>(
            this->env().setting("key_dir", (this->env().state_dir / "fernet-keys").string()))) {
    identity_ = this->env().setting("identity", "identity@" + this->env().node);
  }

  caf::behavior make_behavior() override {
    gateway_settings s;
    s.public_url = env().setting("public_url", "");
    s.max_body_bytes = std::stoull(env().setting("max_body_bytes", "114688"));
    s.call_timeout =
        std::chrono::milliseconds(std::stoll(env().setting("call_timeout_ms", "60000")));
    s.local_files = env().setting("local_files", "true") == "true";
    s.role_addresses["identity"] = identity_;
    for (const char* role : {"image-api", "compute-api", "network-server", "placement"})
      s.role_addresses[role] = env().setting(role, std::string{role} + "@" + env().node);
    pipeline_ = std::make_shared<request_pipeline>(home_system(), *env().dir, s, load_policy(env()),
                                                   tokens_, verifier_);
    auto options = listen_options(env());
    options.max_body_bytes = s.max_body_bytes;
    server_ = std::make_unique<http_server>(
        options,
        [p = pipeline_](http_request&& req, http_responder respond) {
          p->handle(std::move(req), std::move(respond));
        },
        [p = pipeline_](const http_request& head) { return p->stream_for(head); });
    env().shared->put("gateway.port", std::make_shared<uint16_t>(server_->port()));
    LOG_INFO(env().role, "serving the OpenStack APIs on port {}", server_->port());
    send(this, watch_atom::value);
    return {
        [this](const msg::context&, const msg::revocation_notice& n) {
          tokens_->revoke(n.event, runtime::unix_seconds());
        },
        [this](watch_atom) { watch_revocations(); },
    };
  }

  void on_exit() override {
    server_.reset(); // stops the HTTP threads; requests in flight keep the pipeline alive
    pipeline_.reset();
    role_actor::on_exit();
  }

private:
  void watch_revocations() {
    delayed_send(this, watch_interval, watch_atom::value);
    verifier_->reload();
    auto identity = env().dir->resolve(identity_);
    if (!identity)
      return;
    request(identity, watch_timeout, msg::context{},
            msg::watch_revocations_request{"gateway@" + env().node})
        .then(
            [this](msg::revocations_reply& reply) {
              const auto now = runtime::unix_seconds();
              for (auto& e : reply.events)
                tokens_->revoke(e, now);
            },
            [](caf::error&) { /* identity not up yet: the next round retries */ });
  }

  std::shared_ptr<token_cache> tokens_;
  std::shared_ptr<token_verifier> verifier_;
  std::string identity_;
  std::shared_ptr<request_pipeline> pipeline_;
  std::unique_ptr<http_server> server_;
};

} // namespace

caf::actor spawn_gateway(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<gateway_actor, caf::linked>(env);
}

} // namespace stratus::actors
