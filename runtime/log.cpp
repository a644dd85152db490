#include "runtime/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace stratus::runtime {
namespace {
std::string node_name = "-";
}

void init_logging(const std::string& node, const std::string& level) {
  node_name = node;
  spdlog::drop("stratus");
  auto log = spdlog::stderr_logger_mt("stratus");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  log->set_level(spdlog::level::from_str(level));
  log->flush_on(spdlog::level::info);
  spdlog::set_default_logger(log);
}

spdlog::logger& logger() {
  return *spdlog::default_logger_raw();
}

std::string fields(std::string_view role, std::string_view request_id) {
  std::string out = "node=" + node_name + " role=" + std::string{role.empty() ? "-" : role};
  if (!request_id.empty())
    out += " req=" + std::string{request_id};
  return out;
}

} // namespace stratus::runtime
