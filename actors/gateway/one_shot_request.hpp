#pragma once
// Sends one request from outside any actor (an HTTP thread) and handles its
// answer on the actor system, through a short-lived actor: no thread ever
// waits for a reply.

#include <chrono>

#include <caf/all.hpp>

#include "messages/context.hpp"

namespace stratus::gateway {

template <class Request, class OnReply, class OnError>
void one_shot_request(caf::actor_system& system, const caf::actor& target,
                      std::chrono::milliseconds timeout, const msg::context& ctx, Request req,
                      OnReply on_reply, OnError on_error) {
  // The request moves into the actor: a streamed body's piece is never copied.
  system.spawn([target, timeout, ctx, req = std::move(req), on_reply = std::move(on_reply),
                on_error = std::move(on_error)](caf::event_based_actor* self) mutable {
    self->request(target, timeout, ctx, std::move(req))
        .then(std::move(on_reply), std::move(on_error));
  });
}

} // namespace stratus::gateway
