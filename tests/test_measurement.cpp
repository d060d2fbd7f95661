// Is echo-bench's latency right? wrk2's coordinated-omission proof over real sockets: a server
// stopped (SIGSTOP) for 300 ms in the middle of a fixed-rate run must show in the percentiles as
// what its users would have seen; a closed-loop run of the same hides it.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "load_run.hpp"
#include "process.hpp"

using namespace echo::bench;
using namespace std::chrono_literals;
using echo::test::ServerProcess;

namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

constexpr double kRate = 2000;       // lines per second, open loop
constexpr std::size_t kConnections = 20;
constexpr auto kStall = 300ms;       // how long the server is stopped
constexpr std::uint64_t kSlowNs = 150'000'000;  // "slow": over half the stall

struct StalledRun {
  RunResult result;
  double stall_s = 0;  // how long the server was really stopped (a sleep may oversleep)
};

// Runs the load in-process while the server is stopped for kStall, 1 s into the measured window.
// Open loop with 8 lines in flight per connection, so that the backlog of the stall drains in a
// few round trips once the server wakes, even on a busy machine; closed loop as wrk runs it, one
// line in flight per connection.
StalledRun run_with_stall(ServerProcess& server, double rate) {
  RunOptions o;
  o.port = server.port();
  o.connections = kConnections;
  o.pipeline = rate > 0 ? 8 : 1;
  o.rate = rate;
  o.duration_s = 2.5;
  o.warmup_s = 0.3;
  o.timeout_s = 10;
  o.progress = false;
  std::optional<RunResult> result;
  std::string error;
  std::thread load([&] { result = run_load(o, error); });
  std::this_thread::sleep_for(1300ms);  // warm-up, then 1 s of normal load
  const auto stopped = std::chrono::steady_clock::now();
  kill(server.pid(), SIGSTOP);
  // The first line due after the stop waits the stall less up to one line interval: 1 ms more
  // makes sure some line waits the whole 300 ms.
  std::this_thread::sleep_for(kStall + 1ms);
  kill(server.pid(), SIGCONT);
  const double stall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  load.join();
  REQUIRE_MESSAGE(result, error);
  return {std::move(*result), stall_s};
}

std::uint64_t count_above(const Histogram& h, std::uint64_t ns) {
  std::uint64_t n = 0;
  for (std::size_t b = 0; b < Histogram::kBuckets; ++b)
    if (Histogram::bucket_low(b) >= ns) n += h.bucket_count(b);
  return n;
}

}  // namespace

TEST_CASE("a server stopped for 300 ms shows in open-loop latency as its users saw it, and closed loop hides it") {
  ServerProcess server({"--mode", "coro"});
  const StalledRun open = run_with_stall(server, kRate);
  const RunResult& r = open.result;
  REQUIRE(r.errors() == 0);
  // Every line due while the server was stopped waited from its due time until the server woke:
  // from the whole stall down to nothing, so those due in its first (stall - 150 ms) took over
  // 150 ms: rate × (stall - 150 ms), which is rate × stall / 2 for a 300 ms stall.
  const double expected_slow = kRate * (open.stall_s - 0.150);
  const auto slow = count_above(r.latency, kSlowNs);
  MESSAGE("open loop: stall ", open.stall_s * 1000, " ms, ", slow, " of ", r.requests, " requests over 150 ms (expected ",
          expected_slow, "), max ", ms(r.latency.max()), " ms, p99 ", ms(r.latency.quantile(0.99)), " ms");
  CHECK(r.latency.max() >= 300'000'000);
  CHECK(static_cast<double>(slow) == doctest::Approx(expected_slow).epsilon(0.25));
  // As a share of all requests, as the percentiles see it.
  CHECK(static_cast<double>(slow) / static_cast<double>(r.requests) ==
        doctest::Approx(expected_slow / (kRate * r.duration_s)).epsilon(0.25));
  // The time series shows the stall in the second it happened (1 s into the window).
  REQUIRE(r.intervals.size() >= 2);
  CHECK(r.intervals[1].latency.quantile(0.99) >= kSlowNs);
  CHECK(r.intervals[0].latency.quantile(0.99) < kSlowNs);

  // Closed loop: each connection had one line in flight when the server stopped, and sent
  // nothing more until it woke: at most one slow request per connection, however long the stall.
  const StalledRun closed = run_with_stall(server, 0);
  const auto closed_slow = count_above(closed.result.latency, kSlowNs);
  MESSAGE("closed loop: ", closed_slow, " of ", closed.result.requests, " requests over 150 ms, max ",
          ms(closed.result.latency.max()), " ms, p99 ", ms(closed.result.latency.quantile(0.99)), " ms");
  CHECK(closed.result.errors() == 0);
  CHECK(closed.result.latency.max() >= 250'000'000);  // the stall is there, in the max...
  // ...but in about one request per connection (twice that allowed: a busy machine stalls too).
  CHECK(closed_slow <= 2 * kConnections);
  CHECK(closed_slow * 4 < slow);
  CHECK(closed.result.latency.quantile(0.99) < kSlowNs);  // so its p99 does not show it
}
