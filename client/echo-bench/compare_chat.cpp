#include "compare_chat.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fmt/format.h>

#include "chat_report.hpp"
#include "compare_report.hpp"
#include "json_writer.hpp"
#include "run_report.hpp"

namespace echo::bench {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

void add_chat_server_args(const CompareOptions& o, std::vector<std::string>& argv) {
  argv.push_back("--chat");
  const bool given = std::any_of(o.server_args.begin(), o.server_args.end(),
                                 [](const std::string& a) { return a.rfind("--max-connections", 0) == 0; });
  if (given || o.connections.empty()) return;
  const std::size_t most = *std::max_element(o.connections.begin(), o.connections.end());
  argv.insert(argv.end(), {"--max-connections", std::to_string(most + 64)});  // + the bench's probe, spare
}

ChatOptions chat_load(const CompareOptions& o, const RunOptions& point, int server_pid) {
  ChatOptions c;
  c.host = point.host;
  c.port = point.port;
  c.clients = point.connections;
  c.rooms = std::min(o.rooms, c.clients);
  c.senders = std::min(o.senders, c.clients);
  c.rate = o.chat_rate;
  c.window = point.pipeline;
  c.duration_s = point.duration_s;
  c.warmup_s = point.warmup_s;
  c.timeout_s = point.timeout_s;
  c.threads = point.threads;
  c.progress = point.progress;
  c.label = point.label;
  c.server_pid = server_pid;
  return c;
}

std::string chat_point_summary(const std::string& label, const Point& p) {
  if (!p.chat) return fmt::format("{}: failed: {}", label, p.error);
  const ChatResult& r = *p.chat;
  return fmt::format("{}: {:.0f} deliveries/s  p99 {:.1f} us  errors {}  server CPU {:.2f} s ({:.2f} us/delivery)  peak "
                     "RSS {:.1f} MiB  {} procs  {} threads",
                     label, r.deliveries_per_s(), to_us(r.latency.quantile(0.99)), r.errors(), r.server_cpu_s,
                     r.cpu_us_per_delivery(), mib(p.peak.rss_bytes), p.peak.processes, p.peak.threads);
}

std::vector<const Point*> chat_rows(const CompareReport& report) {
  std::vector<const Point*> rows;
  for (const Point& first : report.points) {
    if (first.repetition != 1) continue;
    std::vector<const Point*> reps;
    for (const Point& p : report.points)
      if (p.server == first.server && p.connections == first.connections && p.chat) reps.push_back(&p);
    if (reps.empty()) {
      rows.push_back(&first);
      continue;
    }
    std::sort(reps.begin(), reps.end(),
              [](const Point* a, const Point* b) { return a->chat->deliveries_per_s() < b->chat->deliveries_per_s(); });
    rows.push_back(reps[reps.size() / 2]);
  }
  order_by_server(report, rows);
  return rows;
}

std::string chat_markdown(const CompareReport& report) {
  const CompareOptions& o = report.options;
  std::string md = fmt::format("# echo-bench compare --chat\n\n`{}`\n\n", o.command_line);
  md += where_and_when(report);
  md += fmt::format("Each point: a fresh `echo-server --chat`, the clients in {} room{}, {} sender{}, {}; {:.1f} s "
                    "warm-up, {:.1f} s measured{}.\n\n",
                    o.rooms, o.rooms == 1 ? "" : "s", o.senders, o.senders == 1 ? "" : "s",
                    o.chat_rate > 0 ? fmt::format("open loop at {:.0f} messages/s", o.chat_rate)
                                    : fmt::format("closed loop ({} in flight per sender)", o.load.pipeline),
                    o.load.warmup_s, o.load.duration_s,
                    o.repeat > 1 ? fmt::format(", median of {} runs by deliveries/s", o.repeat) : "");
  if (report.interrupted) md += "**Interrupted: the table holds only the points measured before it stopped.**\n\n";
  md += "| server | clients | members/room | messages/s | delivered/s | delivery p50 µs | p99 µs | p99.9 µs | errors | "
        "server CPU s | CPU µs/delivery | peak RSS MiB | procs | threads |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const Point* p : chat_rows(report)) {
    if (!p->chat) {
      md += fmt::format("| {} | {} | failed: {} ||||||||||||\n", p->server, p->connections, p->error);
      continue;
    }
    const ChatResult& r = *p->chat;
    md += fmt::format("| {} | {} | {} | {:.0f} | {:.0f} | {:.1f} | {:.1f} | {:.1f} | {} | {:.2f} | {:.2f} | {:.1f} | {} | {} |\n",
                      p->server, p->connections, r.options.clients / r.options.rooms, r.messages_per_s(),
                      r.deliveries_per_s(), to_us(r.latency.quantile(0.5)), to_us(r.latency.quantile(0.99)),
                      to_us(r.latency.quantile(0.999)), r.errors(), r.server_cpu_s, r.cpu_us_per_delivery(),
                      mib(p->peak.rss_bytes), p->peak.processes, p->peak.threads);
  }
  md += "\n![delivery p99 and deliveries per second against room size](chart.png)\n\n";
  md += "A delivery is one member receiving one message; latency runs from the send (open loop: from when the "
        "message was due) to each member's receipt. Server CPU is its process tree's user + system time from the "
        "first message to the last delivery (the joins before are not counted); per delivery, it is divided by every "
        "delivery in that time, warm-up included. Peak RSS, processes and threads are sampled every 100 ms. "
        "See docs/BENCH.md.\n";
  return md;
}

std::string chat_json(const CompareReport& report) {
  JsonWriter json;
  begin_results_json(json, report);
  json.value("chat", true);
  json.begin_array("points");
  for (const Point& p : report.points) {
    json.begin_object()
        .value("server", p.server)
        .value("clients", static_cast<std::uint64_t>(p.connections))
        .value("repetition", static_cast<std::uint64_t>(p.repetition));
    if (!p.error.empty()) json.value("error", p.error);
    if (p.chat) write_json(json, *p.chat, "chat");
    json.begin_object("server_cost")
        .value("user_s", p.cost.user_s)
        .value("system_s", p.cost.system_s)
        .value("peak_rss_bytes", p.peak.rss_bytes)
        .value("max_processes", static_cast<std::uint64_t>(p.peak.processes))
        .value("max_threads", static_cast<std::uint64_t>(p.peak.threads))
        .value("exit_code", static_cast<double>(p.cost.exit_code))
        .end_object();
    json.end_object();
  }
  json.end_array().end_object();
  return json.str() + "\n";
}

bool write_chat_reports(const CompareReport& report) {
  return write_report_files(
      report, chat_markdown(report), chat_json(report),
      [&](std::string& error) { return write_chat_chart(report, error); }, "chart.png");
}

}  // namespace echo::bench
