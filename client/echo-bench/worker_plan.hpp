#pragma once
// What a load thread (LoadWorker, ChurnWorker) is given, and the clock and timings every kind of
// load thread shares.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "payload.hpp"
#include "run_options.hpp"
#include "target.hpp"

namespace echo::bench {

using Clock = std::chrono::steady_clock;

// Nanoseconds from `from` to `to`, 0 if `to` is earlier: latencies never go negative.
inline std::uint64_t ns_between(Clock::time_point from, Clock::time_point to) {
  return to > from ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count()) : 0;
}

// Seconds as the options give them (-d, --timeout, ...) as a clock duration.
inline Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

inline constexpr auto kRetryDelay = std::chrono::milliseconds(100);  // before reconnecting after an error
inline constexpr auto kTick = std::chrono::milliseconds(20);         // stop flag, timeouts, retries
inline constexpr auto kDrainLimit = std::chrono::seconds(2);         // at most, for the last replies
inline constexpr std::size_t kReadBuffer = 64 * 1024;                // one per thread, for every connection

// This thread's share of the run.
struct WorkerPlan {
  const RunOptions* options = nullptr;
  const Payload* payload = nullptr;
  const Target* target = nullptr;
  std::size_t connections = 0;
  std::uint64_t requests = 0;  // share of -n; 0 = until told to stop
  double rate = 0;             // share of --rate; 0 = closed loop
  double connect_rate = 0;     // share of --connect-rate; 0 = unpaced
};

}  // namespace echo::bench
