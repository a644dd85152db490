#pragma once
// What the gateway does with one HTTP request, on the HTTP thread until a
// message must be sent:
//
//   find the API by prefix ─ version document? ─ route (404/405) ─ body
//   limits and JSON (413/400) ─ token: cache, else ask identity (401) ─
//   policy (403) ─ api_call_request to the role ─ reply or typed error
//   rendered in the API's own format, with x-openstack-request-id.
//
// Messages are sent by a short-lived actor per request, so no thread ever
// waits for an answer. Those actors share ownership of the pipeline: a
// request still in flight when the gateway stops finds it intact.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/fwd.hpp>

#include "actors/gateway/api_surface.hpp"
#include "actors/gateway/http_server.hpp"
#include "actors/gateway/policy.hpp"
#include "actors/gateway/token_cache.hpp"
#include "actors/gateway/token_verifier.hpp"

namespace stratus::runtime {
class directory;
}

namespace stratus::gateway {

struct gateway_settings {
  std::string public_url;           // "" = http://<Host header>
  uint64_t max_body_bytes = 114688; // Keystone's max_request_body_size
  std::chrono::milliseconds call_timeout{60000};
  std::map<std::string, std::string> role_addresses; // "identity" → "identity@ctl-1"
};

class request_pipeline : public std::enable_shared_from_this<request_pipeline> {
public:
  request_pipeline(caf::actor_system& system, runtime::directory& dir, gateway_settings settings,
                   policy rules, std::shared_ptr<token_cache> tokens,
                   std::shared_ptr<token_verifier> verifier);

  /// Called on an HTTP thread for every request.
  void handle(http_request&& req, http_responder respond) const;

private:
  struct call; // one request on its way through the pipeline
  void authorize_and_send(std::shared_ptr<call> c) const;
  void send(std::shared_ptr<call> c) const;
  void fail(const call& c, uint16_t status, const std::string& message) const;
  std::string address_of(const std::string& role) const;
  /// The version document for a path, built once per base URL.
  std::optional<http_response> cached_version_document(const api_surface& api,
                                                       const std::string& path,
                                                       const std::string& base) const;

  caf::actor_system& system_;
  runtime::directory& dir_;
  gateway_settings settings_;
  policy rules_;
  std::shared_ptr<token_cache> tokens_;
  std::shared_ptr<token_verifier> verifier_;
  std::vector<api_surface> apis_;
  mutable std::mutex documents_mu_;
  mutable std::unordered_map<std::string, std::optional<http_response>> documents_;
};

} // namespace stratus::gateway
