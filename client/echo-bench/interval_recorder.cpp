#include "interval_recorder.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace echo::bench {

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double process_cpu_wait_seconds() {
  std::uint64_t waited_ns = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    std::uint64_t on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) waited_ns += waiting;
  }
  return static_cast<double>(waited_ns) / 1e9;
}

IntervalRecorder::IntervalRecorder(const LoadThreads& load, Clock::time_point start)
    : load_(load), next_boundary_(start + std::chrono::seconds(1)), cpu_at_start_(process_cpu_seconds()),
      cpu_wait_at_start_(process_cpu_wait_seconds()) {
  // Errors count from the first connect, warm-up included; the time series starts here.
  last_.errors = load_.sum([](const WorkerStats& s) { return s.error_total(); });
}

IntervalRecorder::Totals IntervalRecorder::read() const {
  Totals t;
  t.requests = load_.sum([](const WorkerStats& s) { return s.requests.get(); });
  t.errors = load_.sum([](const WorkerStats& s) { return s.error_total(); });
  t.latency = load_.latency();
  return t;
}

void IntervalRecorder::poll(Clock::time_point now) {
  while (now >= next_boundary_) {
    close_interval();
    next_boundary_ += std::chrono::seconds(1);
  }
}

// What was counted since the last boundary becomes one interval. The threads keep counting
// meanwhile, so a sample near a boundary may land in either second: it is never lost or doubled.
void IntervalRecorder::close_interval() {
  Totals now = read();
  IntervalStats i;
  i.requests = now.requests - last_.requests;
  i.errors = now.errors - last_.errors;
  std::uint64_t low = UINT64_MAX, high = 0;
  for (std::size_t b = 0; b < Histogram::kBuckets; ++b) {
    const std::uint64_t n = now.latency.bucket_count(b) - last_.latency.bucket_count(b);
    if (n == 0) continue;
    i.latency.add_bucket(b, n);
    low = std::min(low, Histogram::bucket_low(b));
    high = std::max(high, Histogram::bucket_high(b));
  }
  // Only the buckets are known per second: sum, min and max as the buckets' middles and edges.
  if (i.latency.count() != 0) {
    std::uint64_t sum = 0;
    for (std::size_t b = 0; b < Histogram::kBuckets; ++b)
      if (const auto n = i.latency.bucket_count(b))
        sum += n * (Histogram::bucket_low(b) + (Histogram::bucket_high(b) - Histogram::bucket_low(b)) / 2);
    i.latency.add_totals(sum, low, std::min(high, now.latency.max()));
  }
  intervals_.push_back(std::move(i));
  last_ = std::move(now);
}

void IntervalRecorder::end_window() {
  cpu_s_ = process_cpu_seconds() - cpu_at_start_;
  cpu_wait_s_ = process_cpu_wait_seconds() - cpu_wait_at_start_;
}

void IntervalRecorder::finish(RunResult& r) {
  r.cpu_s = cpu_s_;
  r.cpu_wait_s = std::max(0.0, cpu_wait_s_);
  const Totals end = read();
  if (end.requests != last_.requests || end.errors != last_.errors || intervals_.empty()) close_interval();
  r.intervals = std::move(intervals_);
}

}  // namespace echo::bench
