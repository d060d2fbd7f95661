#include "load_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <thread>
#include <vector>

#include "churn_worker.hpp"
#include "load_worker.hpp"
#include "net.hpp"
#include "stop_signal.hpp"
#include "target.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Sleeps up to `d`, in short steps so that Ctrl-C is noticed at once. False if stopped.
bool sleep_unless_stopped(Clock::duration d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (echo::stop_requested()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(10ms, until - Clock::now()));
  }
  return !echo::stop_requested();
}

std::string describe_errors(const std::vector<std::unique_ptr<WorkerStats>>& stats) {
  std::string text;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    std::uint64_t n = 0;
    int err = 0;
    for (const auto& s : stats) {
      n += s->errors[k].get();
      if (err == 0) err = s->first_errno[k].load();
    }
    if (n == 0) continue;
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {}", n, kErrorNames[k]);
    if (err != 0) text += fmt::format(" ({})", std::strerror(err));
  }
  return text;
}

// The live line on stderr: overwritten in place on a terminal, one line per second otherwise.
class Progress {
 public:
  Progress(bool enabled, std::string label) : enabled_(enabled), tty_(isatty(2) != 0), label_(std::move(label)) {}
  void show(double elapsed, double rate, std::uint64_t errors, double p99_us, std::uint64_t connections) {
    if (!enabled_) return;
    const std::string line = fmt::format("{}{:5.0f}s {:>10.0f} req/s  errors {:<6} p99 {:>9.1f} us  connections {}",
                                         label_.empty() ? "" : label_ + "  ", elapsed, rate, errors, p99_us, connections);
    if (tty_) {
      fmt::print(stderr, "\r{}\x1b[K", line);
      dirty_ = true;
    } else {
      fmt::print(stderr, "{}\n", line);
    }
    std::fflush(stderr);
  }
  ~Progress() {
    if (dirty_) fmt::print(stderr, "\r\x1b[K");
  }

 private:
  bool enabled_, tty_;
  bool dirty_ = false;
  std::string label_;
};

}  // namespace

std::optional<RunResult> run_load(const RunOptions& o, std::string& error) {
  if (auto bad = validate(o)) {
    error = *bad;
    return std::nullopt;
  }
  auto target = resolve_target(o.host, o.port, error);
  if (!target) return std::nullopt;

  const unsigned threads = effective_threads(o);
  const std::size_t needed = o.connections + 2 * threads + 32;  // + epoll and timer per thread, stdio, spare
  const std::size_t limit = echo::raise_fd_limit();
  if (needed > limit) {
    error = fmt::format("{} connections need about {} open files, but the limit is {} (see `ulimit -Hn`)",
                        o.connections, needed, limit);
    return std::nullopt;
  }
  // One plain connect first: "nothing listens there" is then one clear line, not a flood of errors.
  const auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  if (const int probe = echo::connect_tcp(o.host, o.port, timeout); probe < 0) {
    error = fmt::format("cannot connect to {}: {}", target->text, std::strerror(errno));
    return std::nullopt;
  } else {
    close(probe);
  }

  const Payload payload(o.size, o.expect);
  RunControl control;
  std::vector<std::unique_ptr<WorkerStats>> stats;
  std::vector<std::thread> pool;
  std::vector<Clock::time_point> finished_at(threads);
  std::atomic<unsigned> finished{0};
  std::uint64_t requests_left = o.requests;
  const bool by_count = o.requests != 0;
  control.measuring = by_count;  // -n counts every reply, from the first
  const auto launched = Clock::now();
  for (unsigned i = 0; i < threads; ++i) {
    WorkerPlan plan;
    plan.options = &o;
    plan.payload = &payload;
    plan.target = &*target;
    plan.connections = o.connections / threads + (i < o.connections % threads ? 1 : 0);
    plan.requests = i + 1 == threads ? requests_left : o.requests * plan.connections / o.connections;
    requests_left -= plan.requests;
    plan.rate = o.rate * static_cast<double>(plan.connections) / static_cast<double>(o.connections);
    stats.push_back(std::make_unique<WorkerStats>());
    pool.emplace_back([plan, &ws = *stats.back(), &control, &finished, &done = finished_at[i]] {
      if (plan.options->churn) {
        ChurnWorker(plan, ws, control).run();
      } else {
        LoadWorker(plan, ws, control).run();
      }
      done = Clock::now();
      finished.fetch_add(1, std::memory_order_release);
    });
  }
  auto stop_and_join = [&] {
    control.stop = true;
    for (auto& t : pool) t.join();
  };
  auto sum = [&](auto field) {
    std::uint64_t n = 0;
    for (const auto& s : stats) n += field(*s);
    return n;
  };

  // First round of connects: say clearly if the server did not take them all.
  while (control.connected.load() < threads && !echo::stop_requested()) std::this_thread::sleep_for(1ms);
  const std::uint64_t opened = sum([](const WorkerStats& s) { return s.connects.get(); });
  if (!o.churn && opened < o.connections) {
    const std::string why = describe_errors(stats);
    if (opened == 0) {
      stop_and_join();
      error = fmt::format("could not open any of {} connections to {}: {}", o.connections, target->text, why);
      return std::nullopt;
    }
    fmt::print(stderr, "echo-bench: warning: opened only {} of {} connections to {} ({}); retrying the others\n", opened,
               o.connections, target->text, why);
  }

  if (!by_count) sleep_unless_stopped(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s)));
  control.measuring = true;
  const auto start = by_count ? launched : Clock::now();
  {
    Progress progress(o.progress, o.label);
    std::uint64_t last_requests = 0;
    auto last_tick = start;
    while (true) {
      const bool done = by_count ? finished.load() == threads : seconds_since(start) >= o.duration_s;
      if (done || echo::stop_requested()) break;
      std::this_thread::sleep_for(5ms);
      if (Clock::now() - last_tick >= 1s) {
        const auto now = Clock::now();
        const std::uint64_t requests = sum([](const WorkerStats& s) { return s.requests.get(); });
        Histogram latency;
        for (const auto& s : stats) latency.add(s->latency);
        progress.show(std::chrono::duration<double>(now - start).count(),
                      static_cast<double>(requests - last_requests) / std::chrono::duration<double>(now - last_tick).count(),
                      sum([](const WorkerStats& s) { return s.error_total(); }),
                      static_cast<double>(latency.quantile(0.99)) / 1000.0,
                      sum([](const WorkerStats& s) { return s.connects.get(); }));
        last_requests = requests;
        last_tick = now;
      }
    }
  }
  const auto end = Clock::now();
  stop_and_join();

  RunResult r;
  r.options = o;
  r.target = target->text;
  r.threads = threads;
  r.interrupted = echo::stop_requested();
  r.duration_s = std::chrono::duration<double>(end - start).count();
  if (by_count && !r.interrupted)
    r.duration_s = std::chrono::duration<double>(*std::max_element(finished_at.begin(), finished_at.end()) - start).count();
  for (const auto& s : stats) {
    r.connections += s->connects.get();
    r.requests += s->requests.get();
    r.requests_total += s->requests_total.get();
    r.bytes_out += s->bytes_out.get();
    r.bytes_in += s->bytes_in.get();
    r.latency.add(s->latency);
    r.connect_latency.add(s->connect_latency);
    for (std::size_t k = 0; k < kErrorKinds; ++k) {
      r.errors_by_kind[k] += s->errors[k].get();
      if (r.first_errno[k] == 0) r.first_errno[k] = s->first_errno[k].load();
    }
    if (r.mismatch_sample.empty()) r.mismatch_sample = s->mismatch_sample;
  }
  return r;
}

}  // namespace echo::bench
