#include "capacity_run.hpp"

#include <cmath>
#include <fmt/format.h>

#include "generator_health.hpp"
#include "load_run.hpp"
#include "run_report.hpp"
#include "stop_signal.hpp"

namespace echo::bench {
namespace {

CapacityStep measure_step(const RunOptions& load, double rate) {
  RunOptions o = load;
  o.rate = rate;
  o.progress = false;
  CapacityStep s;
  std::string error;
  const auto r = run_load(o, error);
  if (!r) {
    s.stopped = true;
    s.error = error;
    return s;
  }
  s.achieved = r->rps();
  s.p50_us = to_us(r->latency.quantile(0.50));
  s.p99_us = to_us(r->latency.quantile(0.99));
  s.max_us = to_us(r->latency.max());
  s.errors = r->errors();
  s.bench_saturated = generator_health(*r).saturated;
  if (r->interrupted) {
    s.stopped = true;
    s.error = "interrupted";
  }
  return s;
}

std::string step_line(const CapacityStep& s) {
  return fmt::format("{:>12.0f} {:>12.0f} {:>12.1f} {:>12.1f} {:>8} {}{}", s.offered, s.achieved, s.p50_us, s.p99_us,
                     s.errors, s.stopped ? "stopped" : s.held ? "held" : "missed",
                     s.bench_saturated ? "  (bench saturated: see run --json's generator)" : "");
}

}  // namespace

CapacityResult measure_capacity(const RunOptions& load, const CapacityOptions& o, const std::string& label) {
  return search_capacity(o, [&](double rate) {
    CapacityStep s = measure_step(load, rate);
    s.offered = rate;
    s.held = step_holds(o, s);
    if (load.progress)
      fmt::print(stderr, "{}step {:.0f} req/s: achieved {:.0f}, p99 {:.1f} us, errors {}: {}{}\n",
                 label.empty() ? "" : label + "  ", rate, s.achieved, s.p99_us, s.errors,
                 s.stopped ? "stopped (" + s.error + ")" : s.held ? "held" : "missed",
                 s.bench_saturated ? " (bench saturated)" : "");
    return s;
  });
}

namespace {
std::size_t saturated_steps(const CapacityResult& r) {
  std::size_t n = 0;
  for (const CapacityStep& s : r.steps) n += s.bench_saturated ? 1 : 0;
  return n;
}
}  // namespace

std::string capacity_answer(const CapacityOptions& o, const CapacityResult& r) {
  const std::string target = fmt::format("p99 <= {:g} us{} with no errors", o.p99_us,
                                         o.tolerance > 0 ? fmt::format(" (+{:g}%)", 100 * o.tolerance) : "");
  if (!r.capacity)
    return fmt::format("no rate met the target ({}): tried down to {:.0f} req/s", target,
                       r.curve().empty() ? o.start_rate : r.curve().front().offered);
  return fmt::format("capacity {}{:.0f} req/s ({})", r.reached_max_rate ? "at least " : "", *r.capacity, target);
}

std::string capacity_report(const RunOptions& load, const CapacityOptions& o, const CapacityResult& r) {
  std::string text = fmt::format("echo-bench capacity: {}:{}, {} connections, {}-byte lines, pipeline {}, {:g} s per step\n",
                                 load.host, load.port, load.connections, load.size, load.pipeline, load.duration_s);
  text += fmt::format("{:>12} {:>12} {:>12} {:>12} {:>8}\n", "offered/s", "achieved/s", "p50 us", "p99 us", "errors");
  for (const CapacityStep& s : r.curve()) text += step_line(s) + "\n";
  if (!r.stopped_why.empty()) text += fmt::format("search stopped: {}\n", r.stopped_why);
  if (const auto n = saturated_steps(r))
    text += fmt::format("warning: in {} of {} steps the bench itself was saturated or starved of CPU: those steps "
                        "say more about the bench (or the machine) than about the server\n",
                        n, r.steps.size());
  return text + capacity_answer(o, r) + "\n";
}

void write_json(JsonWriter& json, std::string_view key, const CapacityOptions& o, const CapacityResult& r) {
  json.begin_object(key).value("p99_target_us", o.p99_us).value("p99_tolerance", o.tolerance);
  json.value("capacity_rps", r.capacity ? *r.capacity : std::nan(""));  // null: no rate met the target
  json.value("at_least", r.reached_max_rate).value("answer", capacity_answer(o, r));
  if (!r.stopped_why.empty()) json.value("stopped", r.stopped_why);
  json.begin_array("curve");
  for (const CapacityStep& s : r.curve())
    json.begin_object()
        .value("offered_rps", s.offered)
        .value("achieved_rps", s.achieved)
        .value("p50_us", s.p50_us)
        .value("p99_us", s.p99_us)
        .value("max_us", s.max_us)
        .value("errors", s.errors)
        .value("held", s.held)
        .value("bench_saturated", s.bench_saturated)
        .end_object();
  json.end_array().end_object();
}

int run_capacity(const RunOptions& load, const CapacityOptions& o, bool json) {
  const CapacityResult r = measure_capacity(load, o);
  if (json) {
    JsonWriter w;
    write_json(w, {}, o, r);
    fmt::print("{}\n", w.str());
  } else {
    fmt::print("{}", capacity_report(load, o, r));
  }
  if (!r.stopped_why.empty()) {
    fmt::print(stderr, "echo-bench: {}\n", r.stopped_why);
    return echo::stop_requested() ? 130 : 1;
  }
  return r.capacity ? 0 : 4;
}

}  // namespace echo::bench
