#pragma once
// What one `echo-bench run` measured, added up over its threads.

#include <array>
#include <cstdint>
#include <string>

#include "histogram.hpp"
#include "run_options.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

struct RunResult {
  RunOptions options;
  std::string target;  // "127.0.0.1:7007"
  unsigned threads = 0;
  std::uint64_t connections = 0;  // established, over the whole run
  std::uint64_t requests = 0;     // answered correctly while measuring
  std::uint64_t requests_total = 0;  // answered correctly, warm-up included
  std::array<std::uint64_t, kErrorKinds> errors_by_kind{};
  std::array<int, kErrorKinds> first_errno{};
  std::string mismatch_sample;
  std::uint64_t bytes_out = 0, bytes_in = 0;
  double duration_s = 0;  // the measured window (warm-up excluded)
  bool interrupted = false;  // Ctrl-C ended it early
  Histogram latency;          // ns
  Histogram connect_latency;  // ns, --churn

  std::uint64_t errors() const;
  double rps() const { return duration_s > 0 ? static_cast<double>(requests) / duration_s : 0; }
  // Megabits per second, request and reply bytes together (TCP/IP headers not counted).
  double mbps() const { return duration_s > 0 ? static_cast<double>(bytes_out + bytes_in) * 8 / 1e6 / duration_s : 0; }
  double connects_per_s() const;
};

}  // namespace echo::bench
