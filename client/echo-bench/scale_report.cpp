#include "scale_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "compare_report.hpp"
#include "run_report.hpp"

namespace echo::bench {

std::string scale_lines(const RunResult& r) {
  std::string text = fmt::format("  opened       every connection in {:.2f} s", r.open_s);
  if (r.processes > 1 || r.source_addresses > 1)
    text += fmt::format(", from {} load process{} and {} source address{}", r.processes, r.processes == 1 ? "" : "es",
                        r.source_addresses, r.source_addresses == 1 ? "" : "es");
  text += '\n';
  if (r.idle_asked > 0)
    text += fmt::format("  idle         {} of {} held (opened in {:.2f} s), {} answered their line at the end\n",
                        r.idle_established, r.idle_asked, r.idle_open_s, r.idle_answered);
  return text;
}

void write_scale_json(JsonWriter& json, const RunResult& r) {
  json.begin_object("scale")
      .value("open_s", r.open_s)
      .value("processes", r.processes)
      .value("source_addresses", r.source_addresses)
      .value("idle", r.idle_asked)
      .value("idle_established", r.idle_established)
      .value("idle_answered", r.idle_answered)
      .value("idle_open_s", r.idle_open_s)
      .end_object();
}

std::string memory_table(const CompareReport& report) {
  std::string t =
      "\nMemory per connection held: read before the server's first connection and again once every connection "
      "(-c and --idle) was open and before any line was sent; the difference divided by the connections held. "
      "Server: PSS summed over its process tree. Kernel: /proc/meminfo Slab plus /proc/net/sockstat TCP pages, "
      "machine-wide, so both ends of each loopback connection (and whatever else ran meanwhile).\n\n"
      "| server | conns | idle | held | server KiB/conn | kernel KiB/conn | open s | active p99 µs | idle answered |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const Point* p : median_rows(report, false)) {
    if (!p->run || !p->memory) continue;
    const RunResult& r = *p->run;
    t += fmt::format("| {} | {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {} |\n", p->server, p->connections,
                     r.idle_asked, p->memory->held, p->memory->server_bytes / 1024, p->memory->kernel_bytes / 1024,
                     std::max(r.open_s, r.idle_open_s), to_us(r.latency.quantile(0.99)), r.idle_answered);
  }
  return t;
}

void write_memory_json(JsonWriter& json, const Point& p) {
  if (!p.memory) return;
  json.begin_object("memory_per_connection")
      .value("held", p.memory->held)
      .value("server_bytes", p.memory->server_bytes)
      .value("kernel_bytes", p.memory->kernel_bytes)
      .end_object();
}

}  // namespace echo::bench
