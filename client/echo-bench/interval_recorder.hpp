#pragma once
// The run's time series and its own CPU, taken by the run's main thread, not the load threads:
// once a second it reads what the threads counted so far and keeps the difference from the
// previous second, so recording a request costs nothing more.

#include <vector>

#include "load_threads.hpp"
#include "run_result.hpp"

namespace echo::bench {

class IntervalRecorder {
 public:
  // The measured window starts at `start`: second k is [start + k s, start + k+1 s).
  IntervalRecorder(const LoadThreads& load, Clock::time_point start);

  // Closes every second that ended by `now` (call it often: the progress loop does).
  void poll(Clock::time_point now);
  // When the measured window ends, before the threads are stopped: the CPU used and waited for.
  void end_window();
  // After the threads joined: the last (partial) second, and what end_window read.
  void finish(RunResult& r);

 private:
  struct Totals {
    std::uint64_t requests = 0, errors = 0;
    Histogram latency;
  };
  Totals read() const;
  void close_interval();

  const LoadThreads& load_;
  Clock::time_point next_boundary_;
  Totals last_;
  double cpu_at_start_, cpu_wait_at_start_;
  double cpu_s_ = 0, cpu_wait_s_ = 0;
  std::vector<IntervalStats> intervals_;
};

// This process's CPU time so far, user + system, in seconds.
double process_cpu_seconds();
// How long this process's live threads have been ready to run but waiting for a CPU, in seconds
// (/proc/self/task/*/schedstat); 0 where the kernel does not keep it.
double process_cpu_wait_seconds();

}  // namespace echo::bench
