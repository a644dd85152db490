#include "runtime/transport.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "messages/wire/envelope.hpp"
#include "runtime/random_id.hpp"

namespace stratus::runtime {
namespace {

using clock = std::chrono::steady_clock;

// Every frame starts with this header (protocol id and version first, as the
// ZeroMQ guide's protocols do), then the frame kind.
constexpr char magic0 = 'S';
constexpr char magic1 = 'T';
constexpr char kind_message = 'M';
constexpr char kind_ping = 'P';
constexpr char kind_pong = 'O';
constexpr std::size_t header_size = 4;
constexpr int max_frames_per_wakeup = 512;
// Outbound commands handled per loop turn, so that reads and heartbeats
// keep their pace under a flood of sends.
constexpr std::size_t max_commands_per_turn = 4096;
constexpr int linger_ms = 200;
constexpr int send_hwm = 100000;
// A frame bigger than any envelope may be is refused by ZeroMQ itself (the
// sender is disconnected) before it is ever buffered whole.
const int64_t max_frame_size = static_cast<int64_t>(wire::limits{}.max_frame_bytes + header_size);
// A peer that is not up is pinged this often, so that a starting or
// returning peer is seen quickly rather than at the next heartbeat.
constexpr std::chrono::milliseconds probe_interval{100};

zmq::message_t make_frame(char kind, const msg::bytes* body) {
  const std::size_t n = header_size + (body ? body->size() : 0);
  zmq::message_t m(n);
  auto* p = static_cast<char*>(m.data());
  p[0] = magic0;
  p[1] = magic1;
  p[2] = static_cast<char>(wire::protocol_version);
  p[3] = kind;
  if (body && !body->empty())
    std::memcpy(p + header_size, body->data(), body->size());
  return m;
}

/// Returns the frame kind, or 0 for a frame that is not ours.
char frame_kind(const zmq::message_t& m) {
  if (m.size() < header_size)
    return 0;
  const auto* p = static_cast<const char*>(m.data());
  if (p[0] != magic0 || p[1] != magic1 || p[2] != static_cast<char>(wire::protocol_version))
    return 0;
  return p[3];
}

} // namespace

struct transport::impl {
  struct peer {
    peer_endpoint ep;
    std::unique_ptr<zmq::socket_t> dealer;   // requests out, replies in
    std::unique_ptr<zmq::socket_t> control;  // pings out, pongs in: never queued behind data
    std::atomic<int64_t> last_seen_ms{-1};  // steady clock ms; -1 = never
    std::atomic<bool> up{false};
  };

  struct command {
    enum what_t { send, reply, add_peer } what;
    std::string target;
    msg::bytes body;
    peer_endpoint ep;
  };

  transport_options opts;
  handlers h;
  zmq::context_t ctx{1};
  std::unique_ptr<zmq::socket_t> router;
  std::unique_ptr<zmq::socket_t> zap;  // CURVE client authentication (ZeroMQ RFC 27)
  std::string routing_id;
  std::string bound;

  mutable std::mutex mu;                              // guards peers (the map) and queue
  std::map<std::string, std::shared_ptr<peer>> peers;
  const int64_t started_ms = now_ms();
  std::vector<command> queue;
  bool wake_pending = false;
  int wake_fd = -1;

  std::deque<command> backlog;      // transport thread only
  zmq::socket_t* blocked = nullptr;  // a DEALER whose queue is full: wait for POLLOUT

  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<uint64_t> frames_in{0}, frames_out{0}, dropped{0};

  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock::now().time_since_epoch())
      .count();
  }

  void enqueue(command c) {
    std::lock_guard<std::mutex> g{mu};
    queue.push_back(std::move(c));
    if (!wake_pending) {
      wake_pending = true;
      uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
    }
  }

  void apply_curve_client(zmq::socket_t& s, const peer_endpoint& ep) {
    if (opts.curve_secret_key.empty() || ep.curve_public_key.empty())
      return;
    s.set(zmq::sockopt::curve_serverkey, ep.curve_public_key);
    s.set(zmq::sockopt::curve_publickey, opts.curve_public_key);
    s.set(zmq::sockopt::curve_secretkey, opts.curve_secret_key);
  }

  std::unique_ptr<zmq::socket_t> make_dealer(const peer_endpoint& ep, const std::string& id) {
    auto s = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
    s->set(zmq::sockopt::routing_id, id);
    s->set(zmq::sockopt::linger, linger_ms);
    s->set(zmq::sockopt::immediate, 1);  // never queue for a peer not connected
    s->set(zmq::sockopt::sndhwm, send_hwm);
    s->set(zmq::sockopt::maxmsgsize, max_frame_size);
    s->set(zmq::sockopt::reconnect_ivl, 100);
    s->set(zmq::sockopt::reconnect_ivl_max, 1000);
    apply_curve_client(*s, ep);
    s->connect(ep.endpoint);
    return s;
  }

  /// Heartbeats travel on a connection of their own, so that a flood of
  /// data (or back-pressure on it) cannot make a live peer look dead.
  void connect_peer(const std::shared_ptr<peer>& p) {
    p->dealer = make_dealer(p->ep, routing_id);
    p->control = make_dealer(p->ep, routing_id + "/hb");
    ping(*p);
  }

  static void ping(peer& p) {
    p.control->send(make_frame(kind_ping, nullptr), zmq::send_flags::dontwait);
  }

  /// Returns false if the command must wait (the peer's queue is full).
  bool run_command(command& c) {
    switch (c.what) {
      case command::add_peer: {
        std::shared_ptr<peer> p;
        {
          std::lock_guard<std::mutex> g{mu};
          auto& slot = peers[c.ep.node];
          if (!slot)
            slot = std::make_shared<peer>();
          slot->ep = c.ep;
          p = slot;
        }
        connect_peer(p);
        break;
      }
      case command::send: {
        std::shared_ptr<peer> p;
        {
          std::lock_guard<std::mutex> g{mu};
          if (auto i = peers.find(c.target); i != peers.end())
            p = i->second;
        }
        if (!p || !p->dealer) {
          ++dropped;
          break;
        }
        auto frame = make_frame(kind_message, &c.body);
        if (p->dealer->send(frame, zmq::send_flags::dontwait)) {
          ++frames_out;
        } else if (p->up) {
          blocked = p->dealer.get();  // back-pressure: retry when it can take more
          return false;
        } else {
          ++dropped;  // not connected: requests to it fail by deadline or peer-down
        }
        break;
      }
      case command::reply: {
        if (!router) {
          ++dropped;
          break;
        }
        zmq::message_t id(c.target.data(), c.target.size());
        if (!router->send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
            !router->send(make_frame(kind_message, &c.body), zmq::send_flags::dontwait))
          ++dropped;
        else
          ++frames_out;
        break;
      }
    }
    return true;
  }

  void drain_queue() {
    uint64_t v;
    [[maybe_unused]] auto n = ::read(wake_fd, &v, sizeof v);
    std::vector<command> batch;
    {
      std::lock_guard<std::mutex> g{mu};
      batch.swap(queue);
      wake_pending = false;
    }
    for (auto& c : batch)
      backlog.push_back(std::move(c));
  }

  void run_backlog() {
    blocked = nullptr;
    for (std::size_t i = 0; i < max_commands_per_turn && !backlog.empty(); ++i) {
      if (!run_command(backlog.front()))
        return;
      backlog.pop_front();
    }
  }

  void read_router() {
    for (int i = 0; i < max_frames_per_wakeup; ++i) {
      zmq::message_t id, frame;
      if (!router->recv(id, zmq::recv_flags::dontwait))
        return;
      if (!id.more() || !router->recv(frame, zmq::recv_flags::dontwait)) {
        ++dropped;
        continue;
      }
      while (frame.more()) {  // not ours: swallow the rest of the multipart
        zmq::message_t extra;
        if (!router->recv(extra, zmq::recv_flags::dontwait))
          break;
        frame.rebuild(0);
      }
      ++frames_in;
      switch (frame_kind(frame)) {
        case kind_ping:
          router->send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
          router->send(make_frame(kind_pong, nullptr), zmq::send_flags::dontwait);
          break;
        case kind_message:
          h.on_request(id.to_string(),
                       std::string_view{static_cast<const char*>(frame.data()) + header_size,
                                        frame.size() - header_size});
          break;
        default:
          ++dropped;
      }
    }
  }

  /// Answers one ZAP request: 200 for a listed client key, 400 otherwise.
  void answer_zap() {
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(*zap, std::back_inserter(request), zmq::recv_flags::dontwait))
      return;
    if (request.size() < 6)
      return;
    bool allowed = false;
    if (request.size() >= 7 && request[5].to_string() == "CURVE" && request[6].size() == 32) {
      char key[41] = {};
      zmq_z85_encode(key, static_cast<const uint8_t*>(request[6].data()), 32);
      for (auto& k : opts.curve_allowed_clients)
        allowed = allowed || k == key;
    }
    const std::string status = allowed ? "200" : "400";
    std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"), zmq::buffer(request[1].data(), request[1].size()),
                                           zmq::buffer(status), zmq::str_buffer(""),
                                           zmq::str_buffer(""), zmq::str_buffer("")};
    zmq::send_multipart(*zap, reply);
    if (!allowed)
      ++dropped;
  }

  void mark_alive(const std::string& name, peer& p) {
    p.last_seen_ms = now_ms();
    if (!p.up.exchange(true) && h.on_peer_state)
      h.on_peer_state(name, true);
  }

  void read_dealer(const std::string& name, peer& p, zmq::socket_t& socket) {
    for (int i = 0; i < max_frames_per_wakeup; ++i) {
      zmq::message_t frame;
      if (!socket.recv(frame, zmq::recv_flags::dontwait))
        return;
      ++frames_in;
      const char k = frame_kind(frame);
      if (k == 0) {
        ++dropped;
        continue;
      }
      mark_alive(name, p);
      if (k == kind_message)
        h.on_reply(name, std::string_view{static_cast<const char*>(frame.data()) + header_size,
                                          frame.size() - header_size});
    }
  }

  void heartbeat(const std::vector<std::pair<std::string, std::shared_ptr<peer>>>& ps) {
    const int64_t now = now_ms();
    const int64_t limit = opts.heartbeat.count() * opts.liveness;
    for (auto& [name, p] : ps) {
      if (!p->dealer)
        continue;
      ping(*p);
      const int64_t seen = p->last_seen_ms;
      if (p->up && seen >= 0 && now - seen > limit) {
        p->up = false;
        if (h.on_peer_state)
          h.on_peer_state(name, false);
      }
    }
  }

  void probe_down_peers(const std::vector<std::pair<std::string, std::shared_ptr<peer>>>& ps) {
    for (auto& [name, p] : ps)
      if (!p->up)
        ping(*p);
  }

  void loop() {
    auto next_beat = clock::now() + opts.heartbeat;
    auto next_probe = clock::now() + probe_interval;
    std::vector<std::pair<std::string, std::shared_ptr<peer>>> ps;
    std::vector<zmq::pollitem_t> items;
    while (running) {
      ps.clear();
      {
        std::lock_guard<std::mutex> g{mu};
        for (auto& [name, p] : peers)
          if (p->dealer)
            ps.emplace_back(name, p);
      }
      items.clear();
      items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
      if (router)
        items.push_back({router->handle(), 0, ZMQ_POLLIN, 0});
      if (zap)
        items.push_back({zap->handle(), 0, ZMQ_POLLIN, 0});
      for (auto& [name, p] : ps)
        items.push_back({p->dealer->handle(), 0,
                         static_cast<short>(ZMQ_POLLIN |
                                            (p->dealer.get() == blocked ? ZMQ_POLLOUT : 0)),
                         0});
      for (auto& [name, p] : ps)
        items.push_back({p->control->handle(), 0, ZMQ_POLLIN, 0});
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(next_beat, next_probe) - clock::now());
      if (wait.count() < 0 || (!backlog.empty() && blocked == nullptr))
        wait = std::chrono::milliseconds{0};
      try {
        zmq::poll(items.data(), items.size(), wait);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM)
          return;
        continue;
      }
      std::size_t i = 0;
      if (items[i++].revents & ZMQ_POLLIN)
        drain_queue();
      if (router && (items[i++].revents & ZMQ_POLLIN))
        read_router();
      if (zap && (items[i++].revents & ZMQ_POLLIN))
        answer_zap();
      for (auto& [name, p] : ps)
        if (items[i++].revents & ZMQ_POLLIN)
          read_dealer(name, *p, *p->dealer);
      for (auto& [name, p] : ps)
        if (items[i++].revents & ZMQ_POLLIN)
          read_dealer(name, *p, *p->control);
      run_backlog();
      if (clock::now() >= next_beat) {
        heartbeat(ps);
        next_beat = clock::now() + opts.heartbeat;
      }
      if (clock::now() >= next_probe) {
        probe_down_peers(ps);
        next_probe = clock::now() + probe_interval;
      }
    }
  }
};

transport::transport(transport_options opts, handlers h) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->h = std::move(h);
  impl_->routing_id = impl_->opts.node + "/" + std::to_string(::getpid()) + "/" + random_hex(8);
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0)
    throw std::runtime_error("eventfd failed");
}

transport::~transport() {
  stop();
  ::close(impl_->wake_fd);
}

void transport::start() {
  auto& d = *impl_;
  if (!d.opts.bind_endpoint.empty()) {
    d.router = std::make_unique<zmq::socket_t>(d.ctx, zmq::socket_type::router);
    d.router->set(zmq::sockopt::linger, linger_ms);
    d.router->set(zmq::sockopt::router_handover, 1);  // a restarted peer takes its identity back
    d.router->set(zmq::sockopt::sndhwm, send_hwm);
    d.router->set(zmq::sockopt::maxmsgsize, max_frame_size);
    if (!d.opts.curve_secret_key.empty()) {
      // The ZAP handler must exist before a CURVE server socket binds.
      d.zap = std::make_unique<zmq::socket_t>(d.ctx, zmq::socket_type::rep);
      d.zap->set(zmq::sockopt::linger, 0);
      d.zap->bind("inproc://zeromq.zap.01");
      d.router->set(zmq::sockopt::zap_domain, "stratus");
      d.router->set(zmq::sockopt::curve_server, 1);
      d.router->set(zmq::sockopt::curve_secretkey, d.opts.curve_secret_key);
    }
    try {
      d.router->bind(d.opts.bind_endpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("cannot bind the bus address " + d.opts.bind_endpoint + ": " +
                               e.what());
    }
    d.bound = d.router->get(zmq::sockopt::last_endpoint);
  }
  d.running = true;
  d.thread = std::thread([&d] { d.loop(); });
}

void transport::stop() {
  auto& d = *impl_;
  if (!d.running.exchange(false))
    return;
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(d.wake_fd, &one, sizeof one);
  if (d.thread.joinable())
    d.thread.join();
  {
    std::lock_guard<std::mutex> g{d.mu};
    for (auto& [name, p] : d.peers) {
      p->dealer.reset();
      p->control.reset();
    }
  }
  d.router.reset();
  d.zap.reset();
  d.ctx.close();
}

std::string transport::bound_endpoint() const {
  return impl_->bound;
}

void transport::add_peer(peer_endpoint peer) {
  impl::command c{impl::command::add_peer, {}, {}, std::move(peer)};
  impl_->enqueue(std::move(c));
}

void transport::send(const std::string& peer, msg::bytes body) {
  impl_->enqueue({impl::command::send, peer, std::move(body), {}});
}

void transport::reply(const std::string& route, msg::bytes body) {
  impl_->enqueue({impl::command::reply, route, std::move(body), {}});
}

bool transport::is_up(const std::string& peer) const {
  std::lock_guard<std::mutex> g{impl_->mu};
  auto i = impl_->peers.find(peer);
  return i != impl_->peers.end() && i->second->up;
}

bool transport::may_reach(const std::string& peer) const {
  std::lock_guard<std::mutex> g{impl_->mu};
  auto i = impl_->peers.find(peer);
  if (i == impl_->peers.end())
    return false;
  if (i->second->up)
    return true;
  // Not heard from yet, just after start: not known to be down.
  const int64_t grace = impl_->opts.heartbeat.count() * impl_->opts.liveness;
  return i->second->last_seen_ms < 0 && impl::now_ms() - impl_->started_ms < grace;
}

std::vector<peer_info> transport::peers() const {
  std::vector<peer_info> out;
  const int64_t now = impl::now_ms();
  std::lock_guard<std::mutex> g{impl_->mu};
  for (auto& [name, p] : impl_->peers) {
    const int64_t seen = p->last_seen_ms;
    out.push_back({name, p->ep.endpoint, p->up, seen < 0 ? -1 : now - seen});
  }
  return out;
}

transport_stats transport::stats() const {
  return {impl_->frames_in, impl_->frames_out, impl_->dropped};
}

std::pair<std::string, std::string> make_curve_keypair() {
  char pub[41] = {}, sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error("zmq_curve_keypair failed");
  return {pub, sec};
}

} // namespace stratus::runtime
