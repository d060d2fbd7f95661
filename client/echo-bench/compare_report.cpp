#include "compare_report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <map>

#include "json_writer.hpp"
#include "run_report.hpp"
#include "scale_report.hpp"

namespace echo::bench {
namespace {

namespace fs = std::filesystem;

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string machine_line() {  // "Linux 6.18..., 2 CPUs online"
  utsname u{};
  uname(&u);
  return fmt::format("{} {}, {} CPUs online", u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN));
}

std::string cost_cells(const Point& p) {
  const std::string cpu = p.cost.killed ? "killed | killed | – |"
                                        : fmt::format("{:.2f} | {:.2f} | {:.1f} |", p.cost.user_s, p.cost.system_s,
                                                      cpu_us_per_request(p));
  return fmt::format("{} {:.1f} | {} | {} |", cpu, mib(p.peak.rss_bytes), p.peak.processes, p.peak.threads);
}

// Under a table whose rows include a server that had to be killed.
std::string killed_note(const CompareReport& report) {
  for (const Point& p : report.points)
    if (p.cost.killed)
      return "\n`killed`: the server did not exit within 15 s of SIGTERM and was killed, so its CPU is unknown "
             "(wait4 counts only the children a process reaped itself). Its log is in `logs/`.\n";
  return "";
}

std::string closed_table(const CompareReport& report) {
  std::string t =
      "| server | conns | req/s | Mbit/s | p50 µs | p99 µs | p99.9 µs | errors | CPU user s | CPU sys s | CPU µs/req "
      "| peak RSS MiB | procs | threads | ctx switches |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const Point* p : median_rows(report, false)) {
    if (!p->run) {
      t += fmt::format("| {} | {} | failed: {} |||||||||||||\n", p->server, p->connections, p->error);
      continue;
    }
    const RunResult& r = *p->run;
    t += fmt::format("| {} | {} | {:.0f} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {} | {} {} |\n", p->server, p->connections,
                     r.rps(), r.mbps(), to_us(r.latency.quantile(0.5)), to_us(r.latency.quantile(0.99)),
                     to_us(r.latency.quantile(0.999)), r.errors(), cost_cells(*p),
                     p->cost.killed ? "–" : std::to_string(p->cost.voluntary_switches + p->cost.involuntary_switches));
  }
  return t;
}

std::string churn_table(const CompareReport& report) {
  std::string t =
      "| server | conns | connects/s | connect p99 µs | reply p50 µs | reply p99 µs | errors | CPU user s | CPU sys s "
      "| CPU µs/conn | peak RSS MiB | procs | threads |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const Point* p : median_rows(report, true)) {
    if (!p->run) {
      t += fmt::format("| {} | {} | failed: {} |||||||||||\n", p->server, p->connections, p->error);
      continue;
    }
    const RunResult& r = *p->run;
    t += fmt::format("| {} | {} | {:.0f} | {:.1f} | {:.1f} | {:.1f} | {} | {}\n", p->server, p->connections,
                     r.connects_per_s(), to_us(r.connect_latency.quantile(0.99)), to_us(r.latency.quantile(0.5)),
                     to_us(r.latency.quantile(0.99)), r.errors(), cost_cells(*p));
  }
  return t;
}

}  // namespace

double cpu_us_per_request(const Point& p) {
  if (!p.run || p.run->requests_total == 0) return 0;
  return (p.cost.user_s + p.cost.system_s) * 1e6 / static_cast<double>(p.run->requests_total);
}

std::string point_summary(const std::string& label, const Point& p) {
  if (!p.run) return fmt::format("{}: failed: {}", label, p.error);
  const RunResult& r = *p.run;
  const std::string cpu = p.cost.killed ? "unknown (killed: it did not stop in time)"
                                        : fmt::format("{:.2f} s", p.cost.user_s + p.cost.system_s);
  return fmt::format("{}: {:.0f} {}/s  p99 {:.1f} us  errors {}  server CPU {}  peak RSS {:.1f} MiB  {} procs  {} threads",
                     label, p.churn ? r.connects_per_s() : r.rps(), p.churn ? "conn" : "req",
                     to_us(r.latency.quantile(0.99)), r.errors(), cpu, mib(p.peak.rss_bytes), p.peak.processes,
                     p.peak.threads);
}

std::vector<const Point*> median_rows(const CompareReport& report, bool churn) {
  std::vector<const Point*> rows;
  for (std::size_t i = 0; i < report.points.size(); ++i) {
    const Point& first = report.points[i];
    if (first.churn != churn || first.repetition != 1) continue;
    std::vector<const Point*> reps;
    for (const Point& p : report.points)
      if (p.server == first.server && p.churn == churn && p.connections == first.connections && p.run) reps.push_back(&p);
    if (reps.empty()) {
      rows.push_back(&first);
      continue;
    }
    auto speed = [](const Point* p) { return p->churn ? p->run->connects_per_s() : p->run->rps(); };
    std::sort(reps.begin(), reps.end(), [&](const Point* a, const Point* b) { return speed(a) < speed(b); });
    rows.push_back(reps[reps.size() / 2]);
  }
  order_by_server(report, rows);
  return rows;
}

std::string where_and_when(const CompareReport& report) {
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", std::localtime(&now));
  return fmt::format("{}; {}. Server on CPUs {}, load on CPUs {}.\n", date, machine_line(),
                     report.server_cpus.empty() ? "any" : report.server_cpus,
                     report.client_cpus.empty() ? "any" : report.client_cpus);
}

void begin_results_json(JsonWriter& json, const CompareReport& report) {
  json.begin_object().value("command", report.options.command_line).value("machine", machine_line());
  json.value("server_cpus", report.server_cpus).value("client_cpus", report.client_cpus);
  json.value("repeat", static_cast<std::uint64_t>(report.options.repeat)).value("interrupted", report.interrupted);
}

void order_by_server(const CompareReport& report, std::vector<const Point*>& rows) {
  std::vector<std::string> servers;
  for (const Point& p : report.points)
    if (std::find(servers.begin(), servers.end(), p.server) == servers.end()) servers.push_back(p.server);
  const auto rank = [&](const Point* p) { return std::find(servers.begin(), servers.end(), p->server) - servers.begin(); };
  std::stable_sort(rows.begin(), rows.end(), [&](const Point* a, const Point* b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a->connections < b->connections;
  });
}

std::string markdown_tables(const CompareReport& report) {
  const CompareOptions& o = report.options;
  const RunOptions& l = o.load;
  std::string md = "# echo-bench compare\n\n";
  md += fmt::format("`{}`\n\n", o.command_line);
  md += where_and_when(report);
  if (!report.capacities.empty()) return md + capacity_markdown(report);
  md += fmt::format("Each point: a fresh server, {:.1f} s warm-up, {:.1f} s measured, {}-byte lines, pipeline {}, "
                    "closed loop{}.\n\n",
                    l.warmup_s, l.duration_s, l.size, l.pipeline,
                    o.repeat > 1 ? fmt::format(", median of {} runs by throughput", o.repeat) : "");
  if (report.interrupted) md += "**Interrupted: the tables hold only the points measured before it stopped.**\n\n";
  md += closed_table(report);
  md += memory_table(report);
  if (o.churn) md += "\nChurn: a new connection per request (connect, one line, reply, close).\n\n" + churn_table(report);
  md += killed_note(report);
  md += "\n![throughput and p99 latency against connections](chart.png)\n\n";
  md += "Latency is from send to reply. Server columns cover the server's whole process tree for the point: CPU "
        "user and system seconds (the tree's own and its reaped children's, from wait4), CPU per correct reply "
        "(warm-up included), the peak of the summed RSS and the most processes and threads seen (sampled every "
        "100 ms), and voluntary + involuntary context switches. See docs/BENCH.md.\n";
  return md;
}

std::string results_json(const CompareReport& report) {
  JsonWriter json;
  begin_results_json(json, report);
  json.begin_array("points");
  for (const Point& p : report.points) {
    json.begin_object()
        .value("server", p.server)
        .value("connections", static_cast<std::uint64_t>(p.connections))
        .value("churn", p.churn)
        .value("repetition", static_cast<std::uint64_t>(p.repetition));
    if (!p.error.empty()) json.value("error", p.error);
    if (p.run) write_json(json, *p.run, "run");
    write_memory_json(json, p);
    json.begin_object("server_cost")
        .value("user_s", p.cost.user_s)
        .value("system_s", p.cost.system_s)
        .value("cpu_us_per_request", cpu_us_per_request(p))
        .value("peak_rss_bytes", p.peak.rss_bytes)
        .value("max_processes", static_cast<std::uint64_t>(p.peak.processes))
        .value("max_threads", static_cast<std::uint64_t>(p.peak.threads))
        .value("voluntary_switches", p.cost.voluntary_switches)
        .value("involuntary_switches", p.cost.involuntary_switches)
        .value("exit_code", static_cast<double>(p.cost.exit_code))
        .value("killed", p.cost.killed)
        .end_object();
    json.end_object();
  }
  json.end_array();
  if (!report.capacities.empty()) write_capacities_json(json, report);
  json.end_object();
  return json.str() + "\n";
}

bool write_report_files(const CompareReport& report, const std::string& md, const std::string& json,
                        const std::function<bool(std::string&)>& chart, const char* chart_name) {
  const fs::path dir(report.out_dir);
  bool ok = true;
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream out(dir / name);
    out << text;
    if (!out.flush()) {
      fmt::print(stderr, "echo-bench: cannot write {}\n", (dir / name).string());
      ok = false;
    }
  };
  write("results.md", md);
  write("results.json", json);
  std::string error;
  const bool charted = chart(error);
  if (!charted) fmt::print(stderr, "echo-bench: no chart: {}\n", error);
  fmt::print("{}\n", md);
  fmt::print(stderr, "wrote {}/results.md, results.json{}\n", report.out_dir,
             charted ? fmt::format(", {}", chart_name) : "");
  return ok;
}

bool write_reports(const CompareReport& report) {
  const bool capacity = !report.capacities.empty();
  return write_report_files(
      report, markdown_tables(report), results_json(report),
      [&](std::string& error) { return capacity ? write_capacity_chart(report, error) : write_chart(report, error); },
      capacity ? "capacity.png" : "chart.png");
}

}  // namespace echo::bench
