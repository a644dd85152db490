#pragma once
// Blocking request/reply for code outside actors (tools, tests, benchmarks):
// sends a typed request to "role@node" through the node's directory and
// waits for the reply or a typed error.

#include <chrono>
#include <optional>
#include <string>

#include <caf/scoped_actor.hpp>

#include "messages/context.hpp"
#include "messages/error.hpp"
#include "messages/record.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/node.hpp"

namespace stratus::runtime {

/// A reply or the error that took its place.
template <class T>
struct outcome {
  std::optional<T> value;
  msg::error error;
  explicit operator bool() const { return value.has_value(); }
  T& operator*() { return *value; }
  T* operator->() { return &*value; }
};

/// A context whose deadline is `timeout` from now.
inline msg::context context_with_deadline(std::chrono::milliseconds timeout) {
  msg::context ctx;
  ctx.deadline_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           (std::chrono::system_clock::now() + timeout).time_since_epoch())
                           .count();
  return ctx;
}

template <msg::request_message T>
outcome<typename T::reply_type> call(node& n, const std::string& destination, const T& request,
                                     std::chrono::milliseconds timeout,
                                     std::optional<msg::context> ctx = std::nullopt) {
  outcome<typename T::reply_type> out;
  auto target = n.dir().resolve(destination);
  if (!target) {
    out.error = {msg::errc::unavailable, destination + " is not running"};
    return out;
  }
  caf::scoped_actor self{n.system()};
  self->request(target, timeout, ctx ? *ctx : context_with_deadline(timeout), request)
    .receive([&](typename T::reply_type& r) { out.value = std::move(r); },
             [&](caf::error& e) { out.error = to_error(e); });
  return out;
}

} // namespace stratus::runtime
