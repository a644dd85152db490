#include "runtime/bridge.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>

#include <caf/all.hpp>

#include "messages/type_ids.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/addressing.hpp"
#include "runtime/forward_atom.hpp"
#include "runtime/transport.hpp"
#include "runtime/wire_registry.hpp"

namespace stratus::runtime::detail {

struct inbound_request {
  std::string route;
  wire::envelope env;
};

struct inbound_reply {
  std::string peer;
  wire::envelope env;
};

struct peer_event {
  std::string peer;
  bool up = false;
};

} // namespace stratus::runtime::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stratus::runtime::detail::inbound_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stratus::runtime::detail::inbound_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stratus::runtime::detail::peer_event)

namespace stratus::runtime {
namespace {

using namespace std::chrono_literals;
using detail::inbound_reply;
using detail::inbound_request;
using detail::peer_event;
using clock = std::chrono::steady_clock;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

/// A request with no deadline in its context waits at most this long.
constexpr auto default_request_timeout = 30s;
/// How often expired requests in flight are failed with `timeout`.
constexpr auto sweep_interval = 50ms;
constexpr auto peer_grace_check = 20ms; // how often requests waiting for a new peer look again
/// Replies kept for answering retries of non-idempotent requests.
constexpr std::size_t dedup_capacity = 10000;

/// Completes a request in flight with the reply envelope, or with `err`.
using completion = std::function<void(const wire::envelope* reply, const msg::error& err)>;

struct pending_call {
  std::string peer;
  completion complete;
};

struct dedup_entry {
  bool done = false;
  wire::envelope reply;
  std::vector<std::pair<std::string, uint64_t>> waiting;  // route, correlation id
};

struct bridge_state {
  bridge_deps deps;
  uint64_t next_correlation = 1;
  uint64_t next_sequence = 1;
  std::unordered_map<uint64_t, pending_call> pending;
  std::multimap<clock::time_point, uint64_t> deadlines;
  bool sweep_scheduled = false;
  std::unordered_map<std::string, dedup_entry> dedup;
  std::deque<std::string> dedup_order;
  /// Requests to peers not heard from yet just after start, sent when the
  /// peer comes up (or failed once it is known to be down).
  std::unordered_map<std::string, std::vector<std::function<void()>>> waiting_for_peer;
};

using bridge_actor = caf::stateful_actor<bridge_state>;

bool failed(const msg::error& e) {
  return e.code != msg::errc::none;
}

wire::envelope error_envelope(msg::errc code, std::string text) {
  return wire::make_envelope(wire::kind::error_reply, msg::error{code, std::move(text)});
}

/// Wall-clock deadline of a context → steady clock; none → the default.
clock::time_point steady_deadline(const msg::context& ctx) {
  if (ctx.deadline_unix_us == 0)
    return clock::now() + default_request_timeout;
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return clock::now() + std::chrono::microseconds{ctx.deadline_unix_us - now_us};
}

// -- outbound ----------------------------------------------------------------

void schedule_sweep(bridge_actor* self) {
  if (!self->state.sweep_scheduled) {
    self->state.sweep_scheduled = true;
    self->delayed_send(self, sweep_interval, sweep_atom::value);
  }
}

/// Answers a caller with the remote reply, the remote error, or `err`.
template <class Reply>
void deliver_reply(caf::typed_response_promise<Reply>& rp, const wire::envelope* reply,
                   const msg::error& err) {
  if (reply == nullptr) {
    rp.deliver(make_error(err));
  } else if (reply->kind == static_cast<uint8_t>(wire::kind::error_reply)) {
    msg::error remote;
    auto bad = wire::open_envelope(*reply, remote);
    rp.deliver(make_error(failed(bad) ? bad : remote));
  } else {
    Reply r;
    if (auto bad = wire::open_envelope(*reply, r); failed(bad))
      rp.deliver(make_error(bad));
    else
      rp.deliver(std::move(r));
  }
}

/// Sends a request to a peer now; the caller's promise gets the reply.
template <msg::request_message T>
void send_request(bridge_actor* self, const std::string& dest, const std::string& node,
                  msg::context ctx, T& x, caf::typed_response_promise<typename T::reply_type> rp) {
  auto& st = self->state;
  if (!st.deps.tp->is_up(node)) {
    rp.deliver(make_error(msg::errc::unavailable, "node " + node + " is unreachable"));
    return;
  }
  if constexpr (!msg::is_idempotent<T>()) {
    if (ctx.sequence == 0) {
      ctx.client_id = st.deps.client_id;
      ctx.sequence = st.next_sequence++;
    }
  }
  auto env = addressed(wire::kind::request, x, st.deps.node, dest, ctx);
  env.correlation_id = st.next_correlation++;
  st.pending.emplace(env.correlation_id,
                     pending_call{node, [rp](const wire::envelope* reply,
                                             const msg::error& err) mutable {
                                    deliver_reply(rp, reply, err);
                                  }});
  st.deadlines.emplace(steady_deadline(ctx), env.correlation_id);
  schedule_sweep(self);
  st.deps.tp->send(node, wire::encode(env));
}

template <msg::request_message T>
caf::result<typename T::reply_type> forward_request(bridge_actor* self, const std::string& dest,
                                                    msg::context& ctx, T& x) {
  auto& st = self->state;
  const auto node = st.deps.dir->split(dest).second;
  if (!st.deps.tp->may_reach(node))
    return make_error(msg::errc::unavailable, "node " + node + " is unreachable");
  auto rp = self->template make_response_promise<typename T::reply_type>();
  if (st.deps.tp->is_up(node)) {
    send_request(self, dest, node, ctx, x, rp);
  } else {
    // Just started, the peer not heard from yet: wait for it.
    st.waiting_for_peer[node].push_back(
        [self, dest, node, ctx, x, rp]() mutable { send_request(self, dest, node, ctx, x, rp); });
    self->delayed_send(self, peer_grace_check, sweep_atom::value);
  }
  return rp;
}

/// Sends what waits for `peer` if it is up, or fails it once it cannot be.
void release_waiting(bridge_actor* self, const std::string& peer) {
  auto& st = self->state;
  auto it = st.waiting_for_peer.find(peer);
  if (it == st.waiting_for_peer.end() ||
      (!st.deps.tp->is_up(peer) && st.deps.tp->may_reach(peer)))
    return;
  auto calls = std::move(it->second);
  st.waiting_for_peer.erase(it);
  for (auto& send : calls)
    send(); // up: sent; down: answered unavailable
}

/// A handler that never matches (for types that are not requests).
template <class T>
struct never {};

template <class T>
auto forwarder(bridge_actor* self) {
  if constexpr (msg::request_message<T>)
    return [self](forward_atom, const std::string& dest, msg::context& ctx, T& x) {
      return forward_request(self, dest, ctx, x);
    };
  else
    return [](never<T>) {};
}

template <caf::type_id_t... Is>
caf::message_handler forwarders(bridge_actor* self, std::integer_sequence<caf::type_id_t, Is...>) {
  return caf::message_handler{
    forwarder<typename caf::type_by_id<caf::id_block::stratus::begin + Is>::type>(self)...};
}

void complete(bridge_actor* self, uint64_t correlation, const wire::envelope* reply,
              const msg::error& err) {
  auto i = self->state.pending.find(correlation);
  if (i == self->state.pending.end())
    return;  // already timed out or failed
  auto done = std::move(i->second.complete);
  self->state.pending.erase(i);
  done(reply, err);
}

void release_waiting(bridge_actor* self, const std::string& peer);

void sweep(bridge_actor* self) {
  auto& st = self->state;
  st.sweep_scheduled = false;
  std::vector<std::string> peers;
  for (auto& [peer, calls] : st.waiting_for_peer)
    peers.push_back(peer);
  for (auto& peer : peers)
    release_waiting(self, peer);
  if (!st.waiting_for_peer.empty())
    self->delayed_send(self, peer_grace_check, sweep_atom::value);
  const auto now = clock::now();
  while (!st.deadlines.empty() && st.deadlines.begin()->first <= now) {
    const auto corr = st.deadlines.begin()->second;
    st.deadlines.erase(st.deadlines.begin());
    complete(self, corr, nullptr, {msg::errc::timeout, "no reply before the deadline"});
  }
  if (!st.deadlines.empty())
    schedule_sweep(self);
}

void fail_peer(bridge_actor* self, const std::string& peer) {
  std::vector<uint64_t> lost;
  for (auto& [corr, call] : self->state.pending)
    if (call.peer == peer)
      lost.push_back(corr);
  for (auto corr : lost)
    complete(self, corr, nullptr, {msg::errc::unavailable, "node " + peer + " went down"});
}

// -- inbound -----------------------------------------------------------------

void send_back(bridge_actor* self, const std::string& route, uint64_t correlation,
               wire::envelope reply) {
  reply.correlation_id = correlation;
  reply.source = self->state.deps.node;
  self->state.deps.tp->reply(route, wire::encode(reply));
}

/// Remembers `key` as in progress; returns false if it was seen before (and
/// then answers or queues this retry).
bool first_attempt(bridge_actor* self, const std::string& key, const std::string& route,
                   uint64_t correlation) {
  auto& st = self->state;
  if (auto i = st.dedup.find(key); i != st.dedup.end()) {
    if (i->second.done)
      send_back(self, route, correlation, i->second.reply);
    else
      i->second.waiting.emplace_back(route, correlation);
    return false;
  }
  st.dedup[key].waiting.emplace_back(route, correlation);
  st.dedup_order.push_back(key);
  while (st.dedup_order.size() > dedup_capacity) {
    st.dedup.erase(st.dedup_order.front());
    st.dedup_order.pop_front();
  }
  return true;
}

/// Records the reply of an attempt and answers it and every retry waiting
/// for it; false if `key` was never recorded (refused before any work).
bool finish_attempt(bridge_actor* self, const std::string& key, const wire::envelope& reply) {
  auto i = self->state.dedup.find(key);
  if (i == self->state.dedup.end())
    return false;
  i->second.done = true;
  i->second.reply = reply;
  for (auto& [route, corr] : std::exchange(i->second.waiting, {}))
    send_back(self, route, corr, reply);
  return true;
}

void serve_management(bridge_actor* self, const inbound_request& in, const reply_sink& sink) {
  if (in.env.type != msg::describe_node_request::type_name)
    return sink(error_envelope(msg::errc::invalid, "unknown management request " + in.env.type));
  msg::describe_node_request req;
  if (auto err = wire::open_envelope(in.env, req); failed(err))
    return sink(wire::make_envelope(wire::kind::error_reply, err));
  sink(wire::make_envelope(wire::kind::reply, self->state.deps.describe(req.include_actors)));
}

void serve_inbound(bridge_actor* self, inbound_request& in) {
  auto& st = self->state;
  auto& env = in.env;
  const auto [role, node] = st.deps.dir->split(env.destination);

  std::string dedup_key;
  if (env.ctx.sequence != 0)
    dedup_key = env.ctx.client_id + "#" + std::to_string(env.ctx.sequence);
  reply_sink sink = [self, route = in.route, corr = env.correlation_id, dedup_key,
                     role = role, req_id = env.ctx.request_id, type = env.type](wire::envelope reply) {
    if (reply.kind == static_cast<uint8_t>(wire::kind::error_reply)) {
      msg::error err;
      (void) wire::open_envelope(reply, err);
      STRATUS_LOG(spdlog::level::info, role, req_id, "{} answered {}: {}", type,
                  msg::to_string(err.code), err.message);
    }
    if (dedup_key.empty() || !finish_attempt(self, dedup_key, reply))
      send_back(self, route, corr, std::move(reply));
  };
  if (env.kind != static_cast<uint8_t>(wire::kind::request))
    return;  // a reply on the ROUTER: not ours to answer
  if (node != st.deps.node)
    return sink(error_envelope(msg::errc::invalid,
                               "this is node " + st.deps.node + ", not " + node));
  if (role == "mmi")
    return serve_management(self, in, sink);
  auto entry = find_wire_entry(env.type);
  if (entry == nullptr || !entry->serve)
    return sink(error_envelope(msg::errc::invalid, "unknown message type " + env.type));
  const auto deadline = steady_deadline(env.ctx);
  if (deadline <= clock::now())
    return sink(error_envelope(msg::errc::timeout, "the request's deadline has passed"));
  auto target = st.deps.dir->resolve(env.destination);
  if (!target) {
    auto roles = st.deps.dir->local_roles();
    const bool hosted = std::find(roles.begin(), roles.end(), role) != roles.end();
    return sink(error_envelope(hosted ? msg::errc::unavailable : msg::errc::not_found,
                               "role " + role + (hosted ? " is restarting on node "
                                                        : " is not hosted on node ") +
                                 st.deps.node));
  }
  // Only work actually started is remembered: a refused request may be retried.
  if (!dedup_key.empty() && !first_attempt(self, dedup_key, in.route, env.correlation_id))
    return;
  // The stamp identifies this hop's request only: requests the handler makes
  // with the same context are new requests and get stamps of their own.
  env.ctx.client_id.clear();
  env.ctx.sequence = 0;
  entry->serve(self, target, env, deadline, std::move(sink));
}

caf::behavior bridge(bridge_actor* self, bridge_deps deps) {
  self->state.deps = std::move(deps);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    return make_error(msg::errc::invalid,
                      "cannot send this message to another node: " + to_string(x.content()));
  });
  caf::message_handler fixed{
    [self](inbound_request& in) { serve_inbound(self, in); },
    [self](inbound_reply& in) {
      complete(self, in.env.correlation_id, &in.env, {});
    },
    [self](peer_event& ev) {
      LOG_INFO("transport", "node {} is {}", ev.peer, ev.up ? "up" : "down");
      if (!ev.up)
        fail_peer(self, ev.peer);
      release_waiting(self, ev.peer);
    },
    [self](sweep_atom) { sweep(self); },
  };
  return fixed.or_else(forwarders(
    self, std::make_integer_sequence<caf::type_id_t, caf::id_block::stratus::end -
                                                       caf::id_block::stratus::begin>{}));
}

} // namespace

caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps) {
  return sys.spawn(bridge, std::move(deps));
}

void bridge_inbound_request(const caf::actor& bridge_handle, directory& dir,
                            const std::string& route, std::string_view body) {
  inbound_request in{route, {}};
  if (auto err = wire::decode({body.data(), body.size()}, in.env); failed(err)) {
    LOG_WARN("transport", "dropped an undecodable request frame ({} bytes): {}", body.size(),
             err.message);
    return;
  }
  if (in.env.kind == static_cast<uint8_t>(wire::kind::notice)) {
    // One-way: delivered straight from the transport thread, no bridge hop.
    auto entry = find_wire_entry(in.env.type);
    auto target = dir.split(in.env.destination).second == dir.local_node()
                    ? dir.resolve(in.env.destination)
                    : caf::actor{};
    if (entry == nullptr || !entry->deliver || !target)
      return;  // nobody to tell
    if (auto err = entry->deliver(target, in.env); failed(err))
      LOG_WARN("transport", "dropped a notice for {}: {}", in.env.destination, err.message);
    return;
  }
  caf::anon_send(bridge_handle, std::move(in));
}

void bridge_inbound_reply(const caf::actor& bridge_handle, const std::string& peer,
                          std::string_view body) {
  inbound_reply in{peer, {}};
  if (auto err = wire::decode({body.data(), body.size()}, in.env); failed(err)) {
    LOG_WARN("transport", "dropped an undecodable reply frame from {}: {}", peer, err.message);
    return;
  }
  caf::anon_send(bridge_handle, std::move(in));
}

void bridge_peer_state(const caf::actor& bridge_handle, const std::string& peer, bool up) {
  caf::anon_send(bridge_handle, peer_event{peer, up});
}

} // namespace stratus::runtime
