#pragma once
// Waiting in tests for something that happens soon but not at once (a child reaped, a worker
// replaced), without a fixed sleep: retry, bounded in time.

#include <chrono>
#include <thread>

namespace echo::test {

// Retries `attempt` every 20 ms until it returns true or `timeout` has passed; then one last try.
template <typename F>
bool eventually(F attempt, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (attempt()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return attempt();
}

}  // namespace echo::test
