#include "load_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <thread>

#include "idle_crowd.hpp"
#include "load_processes.hpp"
#include "agent_share.hpp"
#include "interval_recorder.hpp"
#include "listen_queue.hpp"
#include "load_threads.hpp"
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

// Every connection needs a descriptor: better one clear line now than a flood of EMFILE later.
bool enough_descriptors(const RunOptions& o, unsigned threads, std::string& error) {
  const std::size_t needed = descriptors_needed(o, threads);
  const std::size_t limit = echo::raise_fd_limit();
  if (needed <= limit) return true;
  error = fmt::format("{} connections need about {} open files, but the limit is {} (see `ulimit -Hn`)",
                      o.connections + o.idle, needed, limit);
  return false;
}

// One plain connect first: "nothing listens there" is then one clear line, not a flood of errors.
bool target_answers(const RunOptions& o, const Target& target, std::string& error) {
  const int probe = echo::connect_tcp(o.host, o.port, std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000)));
  if (probe < 0) {
    error = fmt::format("cannot connect to {}: {}", target.text, std::strerror(errno));
    return false;
  }
  close(probe);
  return true;
}

// After the first round of connects: fails when the server took none, warns when it took only
// some (the threads keep retrying the others).
bool first_round_connected(const RunOptions& o, LoadThreads& load, const Target& target, std::string& error) {
  load.wait_first_round();
  const std::uint64_t opened = load.sum([](const WorkerStats& s) { return s.connects.get(); });
  if (o.churn || opened >= o.connections) return true;
  const std::string why = load.describe_errors();
  if (opened == 0) {
    error = fmt::format("could not open any of {} connections to {}: {}", o.connections, target.text, why);
    return false;
  }
  fmt::print(stderr, "echo-bench: warning: opened only {} of {} connections to {} ({}); retrying the others\n", opened,
             o.connections, target.text, why);
  return true;
}

struct Window {
  Clock::time_point start, end;
};

// The warm-up (none with -n), then the measured window with its progress line, until -d is over,
// every -n reply is in, or Ctrl-C.
Window measure(const RunOptions& o, LoadThreads& load, std::optional<IntervalRecorder>& recorder) {
  const bool by_count = o.requests != 0;
  if (!by_count) sleep_unless_stopped(to_duration(o.warmup_s));
  load.control().measuring = true;
  const auto start = by_count ? load.started() : Clock::now();
  recorder.emplace(load, start);
  {
    Progress progress(o.progress, o.label);
    std::uint64_t last_requests = 0;
    auto last_tick = start;
    while (!(by_count ? load.all_finished() : seconds_since(start) >= o.duration_s) && !echo::stop_requested()) {
      std::this_thread::sleep_for(5ms);
      const auto now = Clock::now();
      recorder->poll(now);
      if (now - last_tick < 1s) continue;
      const std::uint64_t requests = load.sum([](const WorkerStats& s) { return s.requests.get(); });
      progress.show(std::chrono::duration<double>(now - start).count(),
                    static_cast<double>(requests - last_requests) / std::chrono::duration<double>(now - last_tick).count(),
                    load.sum([](const WorkerStats& s) { return s.error_total(); }),
                    static_cast<double>(load.latency().quantile(0.99)) / 1000.0,
                    load.sum([](const WorkerStats& s) { return s.connects.get(); }));
      last_requests = requests;
      last_tick = now;
    }
  }
  recorder->end_window();
  return {start, Clock::now()};
}

RunResult add_up(const RunOptions& o, const Target& target, unsigned threads, const LoadThreads& load, Window window) {
  RunResult r;
  r.options = o;
  r.target = target.text;
  r.threads = threads;
  r.interrupted = echo::stop_requested();
  // -n: the run lasted until its last thread was done, which is before the threads were joined.
  const auto end = o.requests != 0 && !r.interrupted ? load.last_finish() : window.end;
  r.duration_s = std::chrono::duration<double>(end - window.start).count();
  load.add_to(r);
  return r;
}

// Everything after the options and the address: processes, connections, load, result.
std::optional<RunResult> run_load_on(const RunOptions& o, Target& target, std::string& error, const RunHooks& hooks) {
  const unsigned threads = effective_threads(o);
  // Scale: more connections than one source address has ports, or than our descriptors allow.
  if (!spread_sources(o, target, error)) return std::nullopt;
  if (const unsigned processes = load_processes_needed(o, threads); processes > 1)
    return run_load_processes(o, processes, target, error, hooks);
  if (!enough_descriptors(o, threads, error) || !target_answers(o, target, error)) return std::nullopt;
  if (o.start_at > 0 && !wait_for_start(o.start_at, o.progress, error)) return std::nullopt;  // --start-at
  if (o.hold) block_go_signal();  // before any thread starts, so that none of them takes it

  const Payload payload(o.size, o.expect, o.framing);
  IdleCrowd crowd(target, payload, to_duration(o.timeout_s), o.connect_rate);
  if (o.idle > 0) crowd.open(o.idle);
  LoadThreads load(o, payload, target, threads);
  if (!first_round_connected(o, load, target, error)) return std::nullopt;
  const double open_s = seconds_since(load.launched());
  const std::uint64_t held = load.sum([](const WorkerStats& s) { return s.connects.get(); }) + crowd.established();
  if (o.hold && !wait_for_go(held, error)) return std::nullopt;
  if (hooks.on_held) hooks.on_held(held);
  load.go();
  std::optional<IntervalRecorder> recorder;
  const Window window = measure(o, load, recorder);
  load.stop_and_join();
  RunResult r = add_up(o, target, threads, load, window);
  recorder->finish(r);
  r.open_s = open_s;
  r.source_addresses = target.sources ? target.sources->size() : 1;
  crowd.finish(r);
  return r;
}

}  // namespace

std::optional<RunResult> run_load(const RunOptions& o, std::string& error, const RunHooks& hooks) {
  if (auto bad = validate(o)) {
    error = *bad;
    return std::nullopt;
  }
  auto target = resolve_target(o.host, o.port, error);
  if (!target) return std::nullopt;
  // Towards a server on this machine, count the connects its kernel dropped for a full accept
  // queue (a load process of a bigger run leaves that to its parent, which sees them all).
  const auto overflows_before = !o.hold && is_loopback(target->addr) ? listen_overflows() : std::nullopt;
  auto r = run_load_on(o, *target, error, hooks);
  if (r && overflows_before)
    if (const auto after = listen_overflows()) r->listen_overflows = *after - *overflows_before;
  return r;
}

}  // namespace echo::bench
