#pragma once
// What one `echo-bench run` measured, added up over its threads.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "run_options.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

// One second of the measured window (the last one may be shorter).
struct IntervalStats {
  std::uint64_t requests = 0;  // answered correctly in that second
  std::uint64_t errors = 0;
  Histogram latency;  // ns, of those requests
};

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
  // Scale (docs/SCALE.md): how the connections were opened and held.
  double open_s = 0;                 // from the first connect until every -c connection was open (slowest process)
  std::uint64_t idle_asked = 0;      // --idle
  std::uint64_t idle_established = 0;
  std::uint64_t idle_answered = 0;   // idle connections that answered their one line at the end
  double idle_open_s = 0;            // time to open the idle crowd (slowest process)
  std::uint64_t processes = 1;       // load processes (past one process's descriptors)
  std::uint64_t source_addresses = 1;
  std::uint64_t listen_overflows = 0;  // loopback target: connects this machine dropped for a full accept queue
  // The generator's own health and the time series (interval_recorder.cpp):
  double cpu_s = 0;                       // echo-bench's CPU, user + system, over the measured window
  double cpu_wait_s = 0;                  // its threads' time ready to run but waiting for a CPU (schedstat)
  Histogram schedule_lag;                 // open loop: how late each timer wake-up came, ns
  std::vector<IntervalStats> intervals;   // one per measured second

  // Derived figures (run_result.cpp); the rates are 0 when nothing was measured.
  std::uint64_t errors() const;  // of every kind
  double rps() const;            // correct replies per measured second
  // Megabits per second, request and reply bytes together (TCP/IP headers not counted).
  double mbps() const;
  double connects_per_s() const;  // --churn: connections established per measured second
};

}  // namespace echo::bench
