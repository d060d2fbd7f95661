#pragma once
// The load threads of one run, each with its share of the connections, of -n and of --rate, and
// its own counters, which the run's thread reads while they work and adds up at the end.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "payload.hpp"
#include "run_options.hpp"
#include "run_result.hpp"
#include "target.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

class LoadThreads {
 public:
  // Starts `threads` threads (LoadWorker, or ChurnWorker with --churn) at once.
  LoadThreads(const RunOptions& options, const Payload& payload, const Target& target, unsigned threads);
  ~LoadThreads();  // stops and joins them
  LoadThreads(const LoadThreads&) = delete;
  LoadThreads& operator=(const LoadThreads&) = delete;

  RunControl& control() { return control_; }
  Clock::time_point launched() const { return launched_; }
  void go();  // after the first round: every thread starts sending now
  Clock::time_point started() const { return started_; }
  bool all_finished() const { return finished_.load() == threads_.size(); }
  Clock::time_point last_finish() const;  // when the last thread returned; call after they joined
  void wait_first_round() const;          // until every thread made its first round of connects, or Ctrl-C
  void stop_and_join();

  template <class Field>  // Field: WorkerStats -> count
  std::uint64_t sum(Field field) const {
    std::uint64_t n = 0;
    for (const auto& s : stats_) n += field(*s);
    return n;
  }
  Histogram latency() const;            // every thread's so far
  std::string describe_errors() const;  // "3 refused (Connection refused), 1 timeout"
  void add_to(RunResult& r) const;      // every count and histogram

 private:
  RunControl control_;
  std::vector<std::unique_ptr<WorkerStats>> stats_;
  std::vector<Clock::time_point> finished_at_;
  std::atomic<unsigned> finished_{0};
  const Clock::time_point launched_;
  Clock::time_point started_;
  std::vector<std::thread> threads_;  // last: they use everything above
};

}  // namespace echo::bench
