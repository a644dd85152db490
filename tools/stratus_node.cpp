// stratus-node --config FILE: one node of a Stratus cluster.

#include <csignal>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "actors/registry.hpp"
#include "runtime/log.hpp"
#include "runtime/node.hpp"

using namespace stratus;

int main(int argc, char** argv) {
  CLI::App app{"stratus-node: hosts the roles its config names"};
  std::string config_file;
  app.add_option("-c,--config", config_file, "node config (TOML)")->required();
  CLI11_PARSE(app, argc, argv);

  runtime::node_config cfg;
  try {
    cfg = runtime::load_node_config(config_file);
  } catch (const std::exception& e) {
    std::cerr << "stratus-node: " << e.what() << "\n";
    return runtime::exit_config;
  }
  runtime::init_logging(cfg.name, cfg.log_level);

  // Signals are taken by one thread with sigwait, never by the workers.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto roles = actors::all_roles();
  runtime::node n{cfg, roles};
  try {
    n.start();
  } catch (const std::exception& e) {
    LOG_CRITICAL("node", "cannot start: {}", e.what());
    return runtime::exit_start_failed;
  }
  LOG_INFO("node", "started with {} role(s), pid {}", cfg.roles.size(), ::getpid());

  std::thread([&n, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    LOG_INFO("node", "signal {} received, stopping", sig);
    n.stop();
  }).detach();

  const int code = n.wait();
  if (code != runtime::exit_clean)
    LOG_CRITICAL("node", "exiting with code {}", code);
  else
    LOG_INFO("node", "stopped");
  if (code != runtime::exit_clean)
    std::_Exit(code);  // a supervisor that gave up: no orderly teardown to wait for
  return code;
}
