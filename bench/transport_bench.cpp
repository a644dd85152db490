// Node-to-node message rate and request/reply latency through the Stratus
// transport, next to raw ZeroMQ on the same machine in the same run.
// The receiving side is always a separate process (this binary re-executed).
//
//   build/bin/transport_bench [--messages N] [--round-trips N]
// Environment: STRATUS_BENCH_WORKERS, STRATUS_BENCH_SCHEDULER (sharing|stealing)
// override the node defaults on both sides.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <zmq.hpp>

#include "actors/registry.hpp"
#include "messages/cluster.hpp"
#include "runtime/call.hpp"
#include "runtime/log.hpp"
#include "runtime/node.hpp"

using namespace stratus;
using namespace std::chrono_literals;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t payload_bytes = 100;

struct latency {
  double p50_us = 0, p99_us = 0;
};

latency percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

pid_t spawn_self(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    static std::string self = "/proc/self/exe";
    argv.push_back(self.data());
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  return pid;
}

void reap(pid_t pid) {
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

// -- raw ZeroMQ --------------------------------------------------------------

/// Child: a ROUTER that answers "ok" after `expect` frames, or echoes each
/// frame when expect == 0.
int serve_raw(const std::string& endpoint, long expect) {
  zmq::context_t ctx;
  zmq::socket_t r(ctx, zmq::socket_type::router);
  r.set(zmq::sockopt::rcvhwm, 0);
  r.bind(endpoint);
  long seen = 0;
  for (;;) {
    zmq::message_t id, body;
    (void) r.recv(id);
    (void) r.recv(body);
    if (expect == 0 || ++seen == expect) {
      r.send(id, zmq::send_flags::sndmore);
      r.send(body, zmq::send_flags::none);
      seen = 0;
    }
  }
}

double raw_one_way(const std::string& endpoint, long n) {
  pid_t child = spawn_self({"--serve-raw", endpoint, std::to_string(n)});
  zmq::context_t ctx;
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.set(zmq::sockopt::sndhwm, 0);
  d.connect(endpoint);
  std::string payload(payload_bytes, 'x');
  auto t0 = bench_clock::now();  // includes connecting: negligible over millions of frames
  for (long i = 0; i < n; ++i)
    d.send(zmq::buffer(payload), zmq::send_flags::none);
  zmq::message_t ack;  // the receiver answers after the n-th frame
  (void) d.recv(ack);
  double secs = std::chrono::duration<double>(bench_clock::now() - t0).count();
  reap(child);
  return n / secs;
}

latency raw_round_trip(const std::string& endpoint, int n) {
  pid_t child = spawn_self({"--serve-raw", endpoint, "0"});
  zmq::context_t ctx;
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.connect(endpoint);
  std::string payload(payload_bytes, 'x');
  std::vector<double> us;
  for (int i = 0; i < n + 100; ++i) {
    auto t0 = bench_clock::now();
    d.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::message_t reply;
    (void) d.recv(reply);
    if (i >= 100)  // warm-up excluded
      us.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - t0).count());
  }
  reap(child);
  return percentiles(us);
}

// -- Stratus -----------------------------------------------------------------

runtime::node_config config(const std::string& name, const std::string& bus) {
  runtime::node_config cfg;
  cfg.name = name;
  cfg.bus = bus;
  cfg.state_dir = "/tmp/stratus-bench-" + std::to_string(::getpid());
  if (const char* w = std::getenv("STRATUS_BENCH_WORKERS"))  // default: the node default
    cfg.workers = std::atoi(w);
  if (const char* s = std::getenv("STRATUS_BENCH_SCHEDULER"))
    cfg.scheduler = s;
  return cfg;
}

/// Child: a node hosting the echo role.
int serve_node(const std::string& endpoint) {
  runtime::init_logging("bench-srv", "warn");
  auto roles = actors::all_roles();
  auto cfg = config("srv", endpoint);
  cfg.roles = {"echo"};
  runtime::node n{cfg, roles};
  n.start();
  return n.wait();
}

struct stratus_client {
  runtime::role_registry roles;
  std::unique_ptr<runtime::node> node;
  pid_t child;

  explicit stratus_client(const std::string& endpoint) {
    child = spawn_self({"--serve-node", endpoint});
    auto cfg = config("client", "");
    cfg.peers.push_back({"srv", endpoint, {}});
    node = std::make_unique<runtime::node>(cfg, roles);
    node->start();
    if (!node->wait_for_peer("srv", 10s)) {
      std::fprintf(stderr, "the benchmark node did not come up\n");
      std::exit(1);
    }
  }
  ~stratus_client() {
    node.reset();
    reap(child);
  }
};

double stratus_one_way(const std::string& endpoint, long n) {
  stratus_client c{endpoint};
  auto proxy = c.node->dir().resolve("echo@srv");
  const std::string text(payload_bytes - 20, 'x');  // envelope + notice ≈ 100 B more
  auto t0 = bench_clock::now();
  for (long i = 0; i < n; ++i)
    caf::anon_send(proxy, msg::context{}, msg::echo_notice{static_cast<uint64_t>(i), text});
  for (;;) {
    auto r = runtime::call(*c.node, "echo@srv", msg::count_request{0}, 30s);
    if (!r) {
      std::fprintf(stderr, "count failed: %s\n", r.error.message.c_str());
      return 0;
    }
    if (r->notices >= static_cast<uint64_t>(n))
      break;
  }
  double secs = std::chrono::duration<double>(bench_clock::now() - t0).count();
  return n / secs;
}

latency stratus_round_trip(const std::string& endpoint, int n) {
  stratus_client c{endpoint};
  auto proxy = c.node->dir().resolve("echo@srv");
  caf::scoped_actor self{c.node->system()};
  const std::string text(payload_bytes, 'x');
  std::vector<double> us;
  for (int i = 0; i < n + 100; ++i) {
    auto t0 = bench_clock::now();
    self->request(proxy, 5s, msg::context{}, msg::echo_request{text})
      .receive([](msg::echo_reply&) {}, [](caf::error&) { std::fprintf(stderr, "echo failed\n"); });
    if (i >= 100)
      us.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - t0).count());
  }
  return percentiles(us);
}

std::string endpoint(int i) {
  return "tcp://127.0.0.1:" + std::to_string(23000 + (::getpid() % 1000) * 10 + i);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "--serve-raw")
    return serve_raw(args[1], std::stol(args[2]));
  if (args.size() == 2 && args[0] == "--serve-node")
    return serve_node(args[1]);
  long messages = 2'000'000;
  int round_trips = 20'000;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--messages")
      messages = std::stol(args[i + 1]);
    else if (args[i] == "--round-trips")
      round_trips = std::stoi(args[i + 1]);
  }
  runtime::init_logging("bench", "warn");
  std::printf("transport benchmark: %zu-byte payloads, tcp on loopback, receiver in another process\n",
              payload_bytes);
  const double raw_rate = raw_one_way(endpoint(0), messages);
  std::printf("one-way   raw ZeroMQ DEALER->ROUTER   %10.0f msgs/s\n", raw_rate);
  const double st_rate = stratus_one_way(endpoint(1), messages);
  std::printf("one-way   Stratus notice, actor->actor %10.0f msgs/s  (%.0f%% of raw)\n", st_rate,
              100.0 * st_rate / raw_rate);
  auto raw_rtt = raw_round_trip(endpoint(2), round_trips);
  std::printf("req/reply raw ZeroMQ                   p50 %7.1f us   p99 %7.1f us\n",
              raw_rtt.p50_us, raw_rtt.p99_us);
  auto st_rtt = stratus_round_trip(endpoint(3), round_trips);
  std::printf("req/reply Stratus echo, actor->actor   p50 %7.1f us   p99 %7.1f us\n", st_rtt.p50_us,
              st_rtt.p99_us);
  return 0;
}
