#pragma once
// Waiting on a condition with a deadline: tests never sleep and hope. The
// condition is polled (a short pause between polls) until it holds or the
// deadline passes, and the caller asserts on the result.

#include <chrono>
#include <functional>
#include <thread>

namespace stratus::test {

/// Polls `condition` until it holds (true) or `timeout` passes (false).
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds{10}) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(poll);  // poll interval, not a guess at timing
  }
  return true;
}

} // namespace stratus::test
