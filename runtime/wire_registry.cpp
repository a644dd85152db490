#include "runtime/wire_registry.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "messages/type_ids.hpp"
#include "messages/wire/payload.hpp"
#include "runtime/addressing.hpp"
#include "runtime/errors.hpp"
#include "runtime/transport.hpp"

namespace stratus::runtime {
namespace {

using clock = std::chrono::steady_clock;

template <msg::request_message T>
void serve_request(caf::event_based_actor* self, const caf::actor& target,
                   const wire::envelope& env, clock::time_point deadline, reply_sink sink) {
  using reply_type = typename T::reply_type;
  T x;
  if (auto err = wire::open_envelope(env, x); err.code != msg::errc::none)
    return sink(wire::make_envelope(wire::kind::error_reply, err));
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  self->request(target, std::max(timeout, std::chrono::milliseconds{1}), env.ctx, std::move(x))
    .then(
      [sink](reply_type& r) { sink(wire::make_envelope(wire::kind::reply, r)); },
      [sink](caf::error& e) {
        sink(wire::make_envelope(wire::kind::error_reply, to_error(e)));
      });
}

template <msg::notice_message T>
msg::error deliver_notice(const caf::actor& target, const wire::envelope& env) {
  T x;
  if (auto err = wire::open_envelope(env, x); err.code != msg::errc::none)
    return err;
  caf::anon_send(target, env.ctx, std::move(x));
  return {};
}

} // namespace

const wire_entry* find_wire_entry(const std::string& type_name) {
  static const auto registry = [] {
    std::unordered_map<std::string, wire_entry> m;
    msg::for_each_message_type([&]<class T>() {
      if constexpr (msg::request_message<T>)
        m[T::type_name].serve = serve_request<T>;
      else if constexpr (msg::notice_message<T>)
        m[T::type_name].deliver = deliver_notice<T>;
    });
    return m;
  }();
  auto i = registry.find(type_name);
  return i == registry.end() ? nullptr : &i->second;
}

bool try_send_notice(transport& tp, const std::string& source, const std::string& destination,
                     const std::string& node, const caf::message& m) {
  bool sent = false;
  msg::for_each_message_type([&]<class T>() {
    if constexpr (msg::notice_message<T>) {
      if (!sent && m.match_elements<msg::context, T>()) {
        auto env = addressed(wire::kind::notice, m.get_as<T>(1), source, destination,
                             m.get_as<msg::context>(0));
        tp.send(node, wire::encode(env));
        sent = true;
      }
    }
  });
  return sent;
}

} // namespace stratus::runtime
