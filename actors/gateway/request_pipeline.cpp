#include "actors/gateway/request_pipeline.hpp"

#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/context.hpp"
#include "messages/identity.hpp"
#include "actors/gateway/image_data_source.hpp"
#include "actors/gateway/one_shot_request.hpp"
#include "runtime/call.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/random_id.hpp"

namespace stratus::gateway {
namespace {

bool takes_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

/// "application/json", with or without parameters (charset).
bool is_json(const std::string* content_type) {
  if (!content_type)
    return false;
  auto type = content_type->substr(0, content_type->find(';'));
  while (!type.empty() && type.back() == ' ')
    type.pop_back();
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

} // namespace

std::optional<std::string> body_type_refusal(const route& r, const std::string* content_type) {
  const auto& wanted = r.body_types;
  if (wanted.empty() ? is_json(content_type)
                     : content_type && std::any_of(wanted.begin(), wanted.end(),
                                                   [content_type](const std::string& t) {
                                                     return content_type->starts_with(t);
                                                   }))
    return std::nullopt;
  return "Expecting to find " + (wanted.empty() ? "application/json" : wanted.front()) +
         " in Content-Type header.";
}

namespace {

msg::auth caller_of(const msg::token_info& t) {
  msg::auth a;
  a.user_id = t.user_id;
  a.project_id = t.project_id;
  a.domain_id = t.domain_id;
  a.roles = t.roles;
  a.user_domain_id = t.user_domain_id;
  a.system_scope = t.system_scope;
  a.project_domain_id = t.project_domain_id;
  return a;
}

} // namespace

void request_pipeline::call::answer(http_response r) const {
  r.headers.push_back({"x-openstack-request-id", ctx.request_id});
  respond(std::move(r));
}

request_pipeline::request_pipeline(caf::actor_system& system, runtime::directory& dir,
                                   gateway_settings settings, policy rules,
                                   std::shared_ptr<token_cache> tokens,
                                   std::shared_ptr<token_verifier> verifier)
    : system_(system), dir_(dir), settings_(std::move(settings)), rules_(std::move(rules)),
      tokens_(std::move(tokens)), verifier_(std::move(verifier)), apis_(all_apis()) {}

std::string request_pipeline::address_of(const std::string& role) const {
  auto it = settings_.role_addresses.find(role);
  return it != settings_.role_addresses.end() ? it->second : role;
}

std::optional<http_response>
request_pipeline::cached_version_document(const api_surface& api, const std::string& path,
                                          const std::string& base) const {
  /// Bounds the cache: clients reach the gateway by a handful of names.
  constexpr std::size_t max_documents = 256;
  const std::string key = api.routes.prefix + path + "|" + base;
  std::lock_guard<std::mutex> lock(documents_mu_);
  auto it = documents_.find(key);
  if (it != documents_.end())
    return it->second;
  if (documents_.size() >= max_documents)
    documents_.clear();
  return documents_[key] = version_document(api, path, base);
}

void request_pipeline::fail(const call& c, uint16_t status, const std::string& message) const {
  c.answer(error_response(c.api ? c.api->errors : error_style::keystone, status, message,
                          c.ctx.request_id));
}

void request_pipeline::fail(const call& c, const msg::error& err) const {
  fail(c, status_of(err.code), err.message);
}

std::shared_ptr<request_pipeline::call> request_pipeline::route_request(http_request& http,
                                                                        http_responder respond) const {
  auto c = std::make_shared<call>();
  c->respond = std::move(respond);
  c->ctx = runtime::context_with_deadline(settings_.call_timeout);
  c->ctx.request_id = runtime::new_request_id();
  c->ctx.trace_id = c->ctx.request_id;

  std::string base = settings_.public_url;
  if (base.empty()) {
    auto host = msg::find_value(http.headers, "host");
    base = "http://" + (host ? *host : std::string{"localhost"});
  }

  // Which API: the first path segment.
  std::string rest;
  for (auto& api : apis_) {
    const auto& prefix = api.routes.prefix;
    if (http.path.starts_with(prefix) &&
        (http.path.size() == prefix.size() || http.path[prefix.size()] == '/')) {
      c->api = &api;
      rest = http.path.substr(prefix.size());
      break;
    }
  }
  if (!c->api) {
    fail(*c, 404, "The resource could not be found.");
    return nullptr;
  }
  if (http.method == "GET" || http.method == "HEAD")
    if (auto doc = cached_version_document(*c->api, rest, base)) {
      c->answer(std::move(*doc));
      return nullptr;
    }

  auto m = match_route(c->api->routes, http.method, rest);
  if (!m.matched) {
    if (m.allowed.empty()) {
      fail(*c, 404, "The resource could not be found.");
      return nullptr;
    }
    std::string allow;
    for (auto& method : m.allowed)
      allow += (allow.empty() ? "" : ", ") + method;
    auto r = error_response(c->api->errors, 405,
                            "The method " + http.method + " is not allowed for this resource.",
                            c->ctx.request_id);
    r.headers.push_back({"Allow", allow});
    c->answer(std::move(r));
    return nullptr;
  }
  c->matched = m.matched;
  c->req.operation = m.matched->operation;
  c->req.path = std::move(m.path);
  c->req.query = std::move(http.query);
  c->req.base_url = base;
  const bool streamed = m.matched->streams_body;
  for (auto& h : http.headers)
    if (h.name == "x-auth-token")
      c->token = h.value;
    else if (h.name != "host" && h.name != "connection" &&
             (streamed || h.name != "content-length"))
      c->req.headers.push_back(std::move(h));
  return c;
}

void request_pipeline::handle(http_request&& http, http_responder respond) const {
  auto c = route_request(http, std::move(respond));
  if (!c)
    return;
  if (http.body_too_large || http.body.size() > settings_.max_body_bytes)
    return fail(*c, 413,
                "Request is too large: at most " + std::to_string(settings_.max_body_bytes) +
                    " bytes.");
  if (takes_body(http.method) && !http.body.empty()) {
    if (auto refusal = body_type_refusal(*c->matched, msg::find_value(c->req.headers,
                                                                      "content-type")))
      return fail(*c, c->api->errors == error_style::keystone ? 400 : 415, *refusal);
    if (!nlohmann::json::accept(http.body))
      return fail(*c, 400, "Malformed request body: it is not valid JSON.");
  }
  c->req.body = std::move(http.body);
  authenticate(std::move(c), [p = shared_from_this()](std::shared_ptr<call> c) { p->send(c); });
}

void request_pipeline::authenticate(std::shared_ptr<call> c, next_step next) const {
  if (!c->matched->needs_token)
    return next(std::move(c));
  if (c->token.empty())
    return fail(*c, 401, "The request you have made requires authentication.");
  if (auto cached = tokens_->find(c->token, runtime::unix_seconds())) {
    c->ctx.caller = caller_of(*cached);
    return authorize(std::move(c), next);
  }
  // Not cached: forged, expired and revoked tokens are refused here; the
  // identity role decides about the rest, then the request goes on.
  if (verifier_->refusal(c->token, runtime::unix_seconds(), *tokens_))
    return fail(*c, 401, "The request you have made requires authentication.");
  auto identity = dir_.resolve(address_of("identity"));
  if (!identity)
    return fail(*c, 503, "The identity service is not available.");
  one_shot_request(
      system_, identity, settings_.call_timeout, c->ctx, msg::validate_token_request{c->token},
      [p = shared_from_this(), c, next](msg::validate_token_reply& reply) {
        p->tokens_->put(c->token, reply.token, runtime::unix_seconds());
        c->ctx.caller = caller_of(reply.token);
        p->authorize(c, next);
      },
      [p = shared_from_this(), c](caf::error& e) {
        auto err = runtime::to_error(e);
        if (err.code == msg::errc::unauthorized || err.code == msg::errc::not_found)
          p->fail(*c, 401, "The request you have made requires authentication.");
        else
          p->fail(*c, err);
      });
}

void request_pipeline::authorize(std::shared_ptr<call> c, const next_step& next) const {
  policy_target target;
  for (auto& p : c->req.path)
    target[p.name] = p.value;
  if (!rules_.allows(c->req.operation, c->ctx.caller, target))
    return fail(*c, 403,
                "You are not authorized to perform the requested action: " + c->req.operation +
                    ".");
  next(std::move(c));
}

http_response request_pipeline::to_http(msg::api_call_reply reply) {
  http_response r;
  r.status = reply.status;
  r.body = std::move(reply.body);
  for (auto& h : reply.headers)
    if (h.name == "x-stratus-local-file")
      r.file = std::move(h.value);
    else if (h.name == "x-stratus-file-offset")
      r.file_offset = std::stoull(h.value);
    else if (h.name == "x-stratus-file-length")
      r.file_length = std::stoull(h.value);
    else
      r.headers.push_back(std::move(h));
  if (r.body.empty() && r.file.empty())
    r.content_type.clear();
  return r;
}

void request_pipeline::pull_if_remote(http_response& r, const caf::actor& role,
                                      const msg::context& ctx) const {
  std::string image_id;
  for (auto it = r.headers.begin(); it != r.headers.end(); ++it)
    if (it->name == "x-stratus-image-id") {
      image_id = std::move(it->value);
      r.headers.erase(it);
      break;
    }
  if (r.file.empty() || image_id.empty() ||
      (settings_.local_files && ::access(r.file.c_str(), R_OK) == 0))
    return;
  r.source = image_data_source(system_, role, ctx, image_id, r.file_offset, settings_.call_timeout);
  r.source_length = r.file_length.value_or(0);
  r.file.clear();
}

void request_pipeline::send(std::shared_ptr<call> c) const {
  auto target = dir_.resolve(address_of(c->api->routes.role));
  if (!target)
    return fail(*c, 503, "The " + c->api->routes.role + " service is not available.");
  one_shot_request(
      system_, target, settings_.call_timeout, c->ctx, c->req,
      [p = shared_from_this(), c, target](msg::api_call_reply& reply) {
        auto r = to_http(std::move(reply));
        p->pull_if_remote(r, target, c->ctx);
        c->answer(std::move(r));
      },
      [p = shared_from_this(), c](caf::error& e) { p->fail(*c, runtime::to_error(e)); });
}

} // namespace stratus::gateway
