#pragma once
// Was the load generator itself the bottleneck? What `run --json` reports under "generator", and
// the warnings a run prints on stderr when the answer may be yes.

#include <string>
#include <vector>

#include "json_writer.hpp"
#include "run_result.hpp"

namespace echo::bench {

// Past these the bench, not the server, may have set the numbers.
inline constexpr double kSaturatedCpuShare = 0.9;       // of the load threads' cores
inline constexpr double kLateScheduleUs = 1000;         // open loop: p99 of timer wake-up lateness
inline constexpr double kShortOfRate = 0.95;            // open loop: achieved / intended
inline constexpr double kStarvedShare = 0.1;            // of the load threads' time, waiting for a CPU

struct GeneratorHealth {
  double intended_rps = 0;  // --rate (0: closed loop)
  double achieved_rps = 0;
  std::uint64_t connections_asked = 0, connections_established = 0;
  double cpu_s = 0;                // echo-bench's own, over the measured window
  double cpu_us_per_request = 0;
  double cpu_share = 0;            // cpu_s / (window × load threads): 1 = every load thread always busy
  double cpu_wait_share = 0;       // time the threads were ready but had no CPU / (window × (load threads + main))
  double schedule_lag_p99_us = 0;  // open loop: how late the timer woke the load threads
  double schedule_lag_max_us = 0;
  std::uint64_t listen_overflows = 0;  // loopback target: connects dropped for a full accept queue
  bool saturated = false;          // the CPU or the schedule says the bench was the bottleneck
  std::vector<std::string> warnings;
};

GeneratorHealth generator_health(const RunResult& r);
void write_json(JsonWriter& json, std::string_view key, const GeneratorHealth& g);
// "intervals": [{"second", "requests", "errors", "p50_us", "p99_us"}, ...]
void write_intervals(JsonWriter& json, const RunResult& r);
std::string health_line(const GeneratorHealth& g);  // one line of the human report

}  // namespace echo::bench
