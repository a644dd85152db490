#pragma once
// Structured logging: one line per event, always naming the node, the role
// and, when there is one, the request id.

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace stratus::runtime {

/// Sets up the process-wide logger ("stratus") for node `node`. Lines look like
///   2026-11-25T22:50:01.123Z info node=ctl-1 role=conductor req=req-… event text
void init_logging(const std::string& node, const std::string& level = "info");

/// The process-wide logger.
spdlog::logger& logger();

/// "node=… role=… req=…" prefix for one event.
std::string fields(std::string_view role, std::string_view request_id = {});

} // namespace stratus::runtime

#define STRATUS_LOG(level, role, req, ...)                                     \
  ::stratus::runtime::logger().log(level, "{} {}",                             \
                                   ::stratus::runtime::fields(role, req),      \
                                   fmt::format(__VA_ARGS__))
#define LOG_INFO(role, ...) STRATUS_LOG(spdlog::level::info, role, "", __VA_ARGS__)
#define LOG_WARN(role, ...) STRATUS_LOG(spdlog::level::warn, role, "", __VA_ARGS__)
#define LOG_ERROR(role, ...) STRATUS_LOG(spdlog::level::err, role, "", __VA_ARGS__)
#define LOG_CRITICAL(role, ...) STRATUS_LOG(spdlog::level::critical, role, "", __VA_ARGS__)
#define LOG_DEBUG(role, ...) STRATUS_LOG(spdlog::level::debug, role, "", __VA_ARGS__)
