// compare --capacity: per server, the capacity under the p99 target, the table, the JSON, and
// capacity.png (p99 against offered rate, one line per server, the target drawn across).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "capacity_run.hpp"
#include "compare_report.hpp"

namespace echo::bench {
namespace {

namespace fs = std::filesystem;

// The last step run at the capacity (the highest rate that held), if any.
const CapacityStep* at_capacity(const CapacityResult& r) {
  if (!r.capacity) return nullptr;
  const CapacityStep* found = nullptr;
  for (const CapacityStep& s : r.steps)
    if (s.offered == *r.capacity) found = &s;
  return found;
}

}  // namespace

std::string capacity_markdown(const CompareReport& report) {
  const CompareOptions& o = report.options;
  std::string md = fmt::format(
      "Capacity: for each server, the highest open-loop rate with p99 <= {:g} µs{} and no errors, found by doubling "
      "then bisecting (to {:g}%); one fresh server each, every step {:.1f} s warm-up then {:.1f} s measured, {}-byte "
      "lines, pipeline {}.\n\n",
      o.capacity.p99_us, o.capacity.tolerance > 0 ? fmt::format(" (+{:g}%)", 100 * o.capacity.tolerance) : "",
      100 * o.capacity.precision, o.load.warmup_s, o.load.duration_s, o.load.size, o.load.pipeline);
  if (report.interrupted) md += "**Interrupted: the table holds only the servers searched before it stopped.**\n\n";
  md += "| server | conns | capacity req/s | p50 µs there | p99 µs there | steps | bench saturated | answer |\n"
        "|---|--:|--:|--:|--:|--:|--:|---|\n";
  for (const CapacityOutcome& c : report.capacities) {
    if (!c.error.empty()) {
      md += fmt::format("| {} | {} | failed: {} ||||||\n", c.server, c.connections, c.error);
      continue;
    }
    const CapacityStep* s = at_capacity(c.result);
    std::size_t saturated = 0;
    for (const CapacityStep& step : c.result.steps) saturated += step.bench_saturated ? 1 : 0;
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", c.server, c.connections,
                      c.result.capacity ? fmt::format("{}{:.0f}", c.result.reached_max_rate ? ">= " : "", *c.result.capacity)
                                        : "none",
                      s ? fmt::format("{:.1f}", s->p50_us) : "", s ? fmt::format("{:.1f}", s->p99_us) : "",
                      c.result.steps.size(), saturated, capacity_answer(o.capacity, c.result));
  }
  md += "\n![p99 latency against offered rate, per server](capacity.png)\n\n"
        "Latency is open loop: from when each request was due, so a server that falls behind is charged for the "
        "wait. A step holds when its p99 is within the target, it counted no error, and it achieved at least 90% of "
        "the offered rate. \"bench saturated\" counts the steps where echo-bench itself was busy or starved of CPU "
        "(its generator health): their numbers say more about the bench or the machine than about the server. "
        "See docs/BENCH.md.\n";
  return md;
}

void write_capacities_json(JsonWriter& json, const CompareReport& report) {
  json.begin_array("capacities");
  for (const CapacityOutcome& c : report.capacities) {
    json.begin_object().value("server", c.server).value("connections", static_cast<std::uint64_t>(c.connections));
    if (!c.error.empty()) json.value("error", c.error);
    write_json(json, "capacity", report.options.capacity, c.result);
    json.end_object();
  }
  json.end_array();
}

bool write_capacity_chart(const CompareReport& report, std::string& error) {
  const fs::path dir(report.out_dir);
  std::error_code ec;
  fs::create_directories(dir / "data", ec);
  std::string plot;
  for (const CapacityOutcome& c : report.capacities) {
    if (c.result.curve().empty()) continue;
    const std::string file = fmt::format("data/{}-capacity.dat", file_stem(c.server));
    std::ofstream out(dir / file, std::ios::trunc);
    for (const CapacityStep& s : c.result.curve()) out << fmt::format("{:.1f} {:.1f}\n", s.offered, std::max(s.p99_us, 0.1));
    plot += fmt::format("{}{} using 1:2 with linespoints lw 2 pt 7 title {}", plot.empty() ? "plot " : ", ",
                        gnuplot_quoted(file), gnuplot_quoted(c.server));
  }
  if (plot.empty()) {
    error = "no capacity step was measured";
    return false;
  }
  const double target = report.options.capacity.p99_us;
  plot += fmt::format(", {:g} with lines dt 2 lc 'black' title 'target p99 {:g} µs'\n", target, target);
  std::ofstream(dir / "capacity.gp") << fmt::format(
      "# Redraw with: gnuplot capacity.gp (from this folder)\n"
      "set terminal pngcairo size 900,520 font ',10'\nset output 'capacity.png'\n"
      "set title {}\nset logscale xy\nset xlabel 'offered rate, requests/s (open loop)'\n"
      "set ylabel 'p99 latency, µs'\nset grid\nset key top left\n{}",
      gnuplot_quoted(fmt::format("echo-bench compare --capacity {:g}: p99 against offered rate", target)), plot);
  return run_gnuplot(report.out_dir, "capacity.gp", error);
}

}  // namespace echo::bench
