// chart.png of compare --chat: delivery p99 and deliveries per second against members per room,
// one line per server, drawn by gnuplot from small data files kept beside it (as compare_chart.cpp).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "compare_chat.hpp"
#include "compare_report.hpp"
#include "run_report.hpp"

namespace echo::bench {
namespace {

namespace fs = std::filesystem;

// data/SERVER-chat.dat: members per room, deliveries/s, delivery p99 (µs).
std::vector<std::string> write_data(const CompareReport& report) {
  std::vector<std::string> servers;
  for (const Point* p : chat_rows(report)) {
    if (!p->chat || p->chat->window_deliveries == 0) continue;  // nothing measured: no point to draw
    const bool first = std::find(servers.begin(), servers.end(), p->server) == servers.end();
    if (first) servers.push_back(p->server);
    std::ofstream out(fs::path(report.out_dir) / "data" / (file_stem(p->server) + "-chat.dat"),
                      first ? std::ios::trunc : std::ios::app);
    const ChatResult& r = *p->chat;
    out << fmt::format("{} {:.1f} {:.1f}\n", r.options.clients / r.options.rooms, r.deliveries_per_s(),
                       to_us(r.latency.quantile(0.99)));
  }
  return servers;
}

std::string plot_line(const std::vector<std::string>& servers, int column) {
  std::string line = "plot ";
  for (std::size_t i = 0; i < servers.size(); ++i)
    line += fmt::format("{}{} using 1:{} with linespoints lw 2 pt 7 title {}", i ? ", " : "",
                        gnuplot_quoted("data/" + file_stem(servers[i]) + "-chat.dat"), column, gnuplot_quoted(servers[i]));
  return line + "\n";
}

}  // namespace

bool write_chat_chart(const CompareReport& report, std::string& error) {
  const fs::path dir(report.out_dir);
  std::error_code ec;
  fs::create_directories(dir / "data", ec);
  const auto servers = write_data(report);
  if (servers.empty()) {
    error = "no point was measured";
    return false;
  }
  const CompareOptions& o = report.options;
  std::string gp = fmt::format(
      "# Redraw with: gnuplot chart.gp (from this folder)\n"
      "set terminal pngcairo size 1120,480 font ',10'\nset output 'chart.png'\n"
      "set multiplot layout 1,2 title {}\n"
      "set logscale x\nset xlabel 'members per room'\nset grid\nset key top left\n",
      gnuplot_quoted(fmt::format("echo-bench compare --chat: {} sender{}, {}, {:.0f} s per point", o.senders,
                         o.senders == 1 ? "" : "s", o.chat_rate > 0 ? fmt::format("{:.0f} msg/s", o.chat_rate) : "closed loop",
                         o.load.duration_s)));
  gp += "set title 'delivery p99 (lower is better)'\nset ylabel 'µs'\nset logscale y\n" + plot_line(servers, 3);
  gp += "unset logscale y\nset yrange [0:*]\nset title 'deliveries per second (higher is better)'\nset ylabel "
        "'deliveries/s'\n" +
        plot_line(servers, 2);
  std::ofstream(dir / "chart.gp") << gp + "unset multiplot\n";
  return run_gnuplot(report.out_dir, "chart.gp", error);
}

}  // namespace echo::bench
