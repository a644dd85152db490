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
#include "messages/context.hpp"

namespace stratus::runtime {
class directory;
}

namespace stratus::gateway {

struct gateway_settings {
  std::string public_url;           // "" = http://<Host header>
  uint64_t max_body_bytes = 114688; // Keystone's max_request_body_size
  std::chrono::milliseconds call_timeout{60000};
  std::map<std::string, std::string> role_addresses; // "identity" → "identity@ctl-1"
  bool local_files = true; // send roles' stored files from disk when this node can read them
};

class request_pipeline : public std::enable_shared_from_this<request_pipeline> {
public:
  struct call; // one request on its way through the pipeline

  request_pipeline(caf::actor_system& system, runtime::directory& dir, gateway_settings settings,
                   policy rules, std::shared_ptr<token_cache> tokens,
                   std::shared_ptr<token_verifier> verifier);

  /// Called on an HTTP thread for every request read whole.
  void handle(http_request&& req, http_responder respond) const;
  /// Called on an HTTP thread once a request's headers are in: the sink for
  /// a route whose body streams to its role, else nullptr.
  std::shared_ptr<body_sink> stream_for(const http_request& head) const;

  /// A role's reply as the HTTP response (a stored file named by the role
  /// becomes the body).
  static http_response to_http(msg::api_call_reply reply);

private:
  friend class streamed_request;
  using next_step = std::function<void(std::shared_ptr<call>)>;
  /// The API and route of a request, its parameters, headers and token;
  /// answers itself (version documents, 404, 405) and returns nullptr.
  std::shared_ptr<call> route_request(http_request& http, http_responder respond) const;
  /// Token (401) and policy (403), then `next`.
  void authenticate(std::shared_ptr<call> c, next_step next) const;
  void authorize(std::shared_ptr<call> c, const next_step& next) const;
  void send(std::shared_ptr<call> c) const;
  /// A reply naming a stored image file this node cannot read (the role on
  /// another node, or local_files off) gets its data from the role instead.
  void pull_if_remote(http_response& r, const caf::actor& role, const msg::context& ctx) const;
  void fail(const call& c, uint16_t status, const std::string& message) const;
  void fail(const call& c, const msg::error& err) const;
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

/// Why a body of `content_type` does not suit route `r` (415, or 400 for
/// Keystone), if it does not.
std::optional<std::string> body_type_refusal(const route& r, const std::string* content_type);

struct request_pipeline::call {
  http_responder respond;
  const api_surface* api = nullptr;
  const route* matched = nullptr;
  msg::context ctx;
  msg::api_call_request req;
  std::string token;

  /// Sends the response with the request id.
  void answer(http_response r) const;
};

} // namespace stratus::gateway
