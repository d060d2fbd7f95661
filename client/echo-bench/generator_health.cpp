#include "generator_health.hpp"

#include <fmt/format.h>

#include "run_report.hpp"

namespace echo::bench {

GeneratorHealth generator_health(const RunResult& r) {
  GeneratorHealth g;
  g.intended_rps = r.options.rate;
  g.achieved_rps = r.rps();
  g.connections_asked = r.options.connections;
  g.connections_established = r.connections;
  g.cpu_s = r.cpu_s;
  g.cpu_us_per_request = r.requests == 0 ? 0 : r.cpu_s * 1e6 / static_cast<double>(r.requests);
  const double core_seconds = r.duration_s * static_cast<double>(r.threads);
  g.cpu_share = core_seconds > 0 ? r.cpu_s / core_seconds : 0;
  // Every thread of the process waits in the run queue, the run's main thread too: count it.
  const double thread_seconds = r.duration_s * static_cast<double>(r.threads + 1);
  g.cpu_wait_share = thread_seconds > 0 ? r.cpu_wait_s / thread_seconds : 0;
  g.schedule_lag_p99_us = to_us(r.schedule_lag.quantile(0.99));
  g.schedule_lag_max_us = to_us(r.schedule_lag.max());
  if (g.cpu_share >= kSaturatedCpuShare) {
    g.saturated = true;
    g.warnings.push_back(fmt::format("the bench used {:.0f}% of the CPU of its {} load thread{}: it may be the bottleneck "
                                     "(give it more cores with -t, or more machines with --agent)",
                                     100 * g.cpu_share, r.threads, r.threads == 1 ? "" : "s"));
  }
  if (g.cpu_wait_share >= kStarvedShare) {
    g.saturated = true;
    g.warnings.push_back(fmt::format("the bench's threads waited for a CPU {:.0f}% of the time (the machine is busy): "
                                     "latencies include that wait",
                                     100 * g.cpu_wait_share));
  }
  if (g.intended_rps > 0 && g.schedule_lag_p99_us > kLateScheduleUs) {
    g.saturated = true;
    g.warnings.push_back(fmt::format("the bench's timer woke up late (p99 {:.0f} us, max {:.0f} us): it could not keep "
                                     "its own schedule, so part of the latency is the bench's",
                                     g.schedule_lag_p99_us, g.schedule_lag_max_us));
  }
  if (g.intended_rps > 0 && !r.interrupted && g.achieved_rps < kShortOfRate * g.intended_rps)
    g.warnings.push_back(fmt::format("achieved {:.0f} req/s of the {:.0f} intended: the server (or the bench, see above) "
                                     "did not keep up",
                                     g.achieved_rps, g.intended_rps));
  g.listen_overflows = r.listen_overflows;
  if (g.listen_overflows > 0)
    g.warnings.push_back(fmt::format(
        "this machine's kernel dropped {} connects for a full accept queue (TcpExt ListenOverflows): the server "
        "accepted slower than they came, and each dropped one was retried a second or more later; pace them with "
        "--connect-rate",
        g.listen_overflows));
  if (g.connections_established < g.connections_asked)
    g.warnings.push_back(
        fmt::format("established {} of the {} connections asked for", g.connections_established, g.connections_asked));
  return g;
}

void write_json(JsonWriter& json, std::string_view key, const GeneratorHealth& g) {
  json.begin_object(key)
      .value("intended_rps", g.intended_rps)
      .value("achieved_rps", g.achieved_rps)
      .value("connections_asked", g.connections_asked)
      .value("connections_established", g.connections_established)
      .value("listen_overflows", g.listen_overflows)
      .value("cpu_s", g.cpu_s)
      .value("cpu_us_per_request", g.cpu_us_per_request)
      .value("cpu_share", g.cpu_share)
      .value("cpu_wait_share", g.cpu_wait_share)
      .value("schedule_lag_p99_us", g.schedule_lag_p99_us)
      .value("schedule_lag_max_us", g.schedule_lag_max_us)
      .value("saturated", g.saturated);
  json.begin_array("warnings");
  for (const auto& w : g.warnings) json.value({}, w);
  json.end_array().end_object();
}

void write_intervals(JsonWriter& json, const RunResult& r) {
  json.begin_array("intervals");
  for (std::size_t s = 0; s < r.intervals.size(); ++s) {
    const IntervalStats& i = r.intervals[s];
    json.begin_object()
        .value("second", static_cast<std::uint64_t>(s))
        .value("requests", i.requests)
        .value("errors", i.errors)
        .value("p50_us", to_us(i.latency.quantile(0.50)))
        .value("p99_us", to_us(i.latency.quantile(0.99)))
        .end_object();
  }
  json.end_array();
}

std::string health_line(const GeneratorHealth& g) {
  std::string line = fmt::format("  generator    cpu {:.2f} s, {:.2f} us/request, {:.0f}% of its threads, waited {:.0f}%",
                                 g.cpu_s, g.cpu_us_per_request, 100 * g.cpu_share, 100 * g.cpu_wait_share);
  if (g.intended_rps > 0)
    line += fmt::format(", {:.0f} of {:.0f} req/s intended, timer late p99 {:.0f} us", g.achieved_rps, g.intended_rps,
                        g.schedule_lag_p99_us);
  return line + (g.saturated ? "  SATURATED\n" : "\n");
}

}  // namespace echo::bench
