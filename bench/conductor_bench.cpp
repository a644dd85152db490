// Durable writes per second through the conductor (group commit, many
// concurrent writers) next to one LMDB transaction per write, same run,
// same disk. Every counted write was acknowledged after its fsync.
//
//   build/bin/conductor_bench [--writers N] [--seconds S] [--dir DIR]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/registry.hpp"
#include "drivers/kv/kv_driver.hpp"
#include "messages/context.hpp"
#include "messages/storage.hpp"
#include "runtime/directory.hpp"
#include "runtime/log.hpp"
#include "runtime/node.hpp"

using namespace stratus;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t value_bytes = 200;

double one_txn_per_write(const std::filesystem::path& dir, double seconds) {
  kv::environment env(dir);
  {
    kv::transaction txn(env, kv::transaction::mode::read_write);
    kv::table t(txn, "scratch", true);
    txn.commit();
  }
  const std::string value(value_bytes, 'v');
  long n = 0;
  const auto until = bench_clock::now() + std::chrono::duration<double>(seconds);
  const auto t0 = bench_clock::now();
  while (bench_clock::now() < until) {
    kv::transaction txn(env, kv::transaction::mode::read_write);
    kv::table t(txn, "scratch");
    txn.put(t, "key-" + std::to_string(n), value);
    txn.commit();  // fsync
    ++n;
  }
  return n / std::chrono::duration<double>(bench_clock::now() - t0).count();
}

/// A writer that keeps one put in flight until told to stop.
caf::behavior writer(caf::event_based_actor* self, caf::actor conductor, int id,
                     std::atomic<long>* acked, std::atomic<bool>* stop) {
  self->send(self, long{0});
  return {
    [=](long i) {
      if (*stop) {
        self->quit();
        return;
      }
      msg::put_record_request req{"scratch", "w" + std::to_string(id) + "-" + std::to_string(i),
                                  msg::bytes(value_bytes, 'v'), 0, false};
      self->request(conductor, std::chrono::seconds{10}, msg::context{}, std::move(req))
        .then(
          [=](const msg::put_record_reply&) {
            ++*acked;
            self->send(self, i + 1);
          },
          [=](caf::error&) { self->send(self, i + 1); });
    },
  };
}

double group_commit(const std::filesystem::path& dir, int writers, double seconds,
                    const std::string& scheduler) {
  auto roles = actors::all_roles();
  runtime::node_config cfg;
  cfg.name = "bench";
  cfg.bus = "tcp://127.0.0.1:*";
  cfg.roles = {"conductor"};
  cfg.state_dir = dir;
  cfg.scheduler = scheduler;
  runtime::node n{cfg, roles};
  n.start();
  caf::actor conductor;
  while (!(conductor = n.dir().resolve("conductor")))
    std::this_thread::yield();
  std::atomic<long> acked{0};
  std::atomic<bool> stop{false};
  const auto t0 = bench_clock::now();
  for (int w = 0; w < writers; ++w)
    n.system().spawn(writer, conductor, w, &acked, &stop);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const long done = acked;
  const double elapsed = std::chrono::duration<double>(bench_clock::now() - t0).count();
  stop = true;
  return done / elapsed;
}

} // namespace

int main(int argc, char** argv) {
  int writers = 256;
  double seconds = 3;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratus-conductor-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--writers")
      writers = std::stoi(argv[i + 1]);
    else if (a == "--seconds")
      seconds = std::stod(argv[i + 1]);
    else if (a == "--dir")
      dir = argv[i + 1];
  }
  runtime::init_logging("bench", "warn");
  std::filesystem::remove_all(dir);
  std::printf("conductor benchmark: %zu-byte values, fsync per commit, %s\n", value_bytes,
              dir.c_str());
  const double single = one_txn_per_write(dir / "single", seconds);
  std::printf("one transaction per write (1 writer)        %10.0f durable writes/s\n", single);
  for (std::string scheduler : {"sharing", "stealing"}) {
    const double grouped = group_commit(dir / scheduler, writers, seconds, scheduler);
    std::printf("conductor group commit (%4d writers, %-8s) %10.0f durable writes/s  (%.1fx)\n",
                writers, scheduler.c_str(), grouped, grouped / single);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
