#include "actors/common/service_call.hpp"

#include <caf/all.hpp>

#include "messages/context.hpp"
#include "runtime/call.hpp"
#include "runtime/errors.hpp"
#include "runtime/random_id.hpp"

namespace stratus::api_support {

std::string service_answer::error_text() const {
  if (body.is_object()) {
    if (auto e = body.find("errors"); e != body.end() && e->is_array() && !e->empty())
      return (*e)[0].value("detail", "");
    for (auto& [k, v] : body.items())
      if (v.is_object() && v.contains("message") && v["message"].is_string())
        return v["message"];
  }
  return "HTTP " + std::to_string(status);
}

void service_call(caf::event_based_actor* self, const caf::actor& role, service_request req,
                  std::function<void(service_answer)> done) {
  if (!role) {
    done({503, {{"errors", {{{"detail", "the service is not reachable"}}}}}});
    return;
  }
  msg::api_call_request call;
  call.operation = std::move(req.operation);
  call.path = std::move(req.path);
  call.query = std::move(req.query);
  if (!req.body.is_null())
    call.body = req.body.dump();
  if (!req.version.empty())
    call.headers.push_back({"openstack-api-version", req.version});
  auto ctx = runtime::context_with_deadline(service_timeout);
  ctx.request_id = "req-" + runtime::new_uuid();
  ctx.caller.roles = {"admin", "service"};
  ctx.caller.system_scope = "all";
  self->request(role, service_timeout, ctx, std::move(call))
      .then(
          [done](msg::api_call_reply& reply) {
            service_answer a;
            a.status = reply.status;
            if (!reply.body.empty())
              a.body = nlohmann::json::parse(reply.body, nullptr, false);
            if (a.body.is_discarded())
              a.body = nullptr;
            done(std::move(a));
          },
          [done](caf::error& e) {
            auto err = runtime::to_error(e);
            const uint16_t status = err.code == msg::errc::not_found  ? 404
                                    : err.code == msg::errc::conflict ? 409
                                    : err.code == msg::errc::invalid  ? 400
                                                                      : 503;
            done({status, {{"errors", {{{"detail", err.message}}}}}});
          });
}

} // namespace stratus::api_support
