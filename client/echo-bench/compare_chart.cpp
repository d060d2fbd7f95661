// chart.png: throughput and p99 against connections, one line per server, drawn by gnuplot from
// small data files. The script stays in the out folder, so a chart can be restyled and redrawn.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <optional>

#include "child_process.hpp"
#include "compare_report.hpp"
#include "run_report.hpp"

namespace echo::bench {
namespace {

namespace fs = std::filesystem;

// One data file per server and load kind: connections, speed, p99 (µs).
std::vector<std::string> write_data(const CompareReport& report, bool churn) {
  std::vector<std::string> servers;
  for (const Point* p : median_rows(report, churn)) {
    if (!p->run) continue;
    const std::string file = fmt::format("data/{}{}.dat", file_stem(p->server), churn ? "-churn" : "");
    const bool first = std::find(servers.begin(), servers.end(), p->server) == servers.end();
    if (first) servers.push_back(p->server);
    std::ofstream out(fs::path(report.out_dir) / file, first ? std::ios::trunc : std::ios::app);
    const RunResult& r = *p->run;
    out << fmt::format("{} {:.1f} {:.1f}\n", p->connections, churn ? r.connects_per_s() : r.rps(),
                       to_us(churn ? r.connect_latency.quantile(0.99) : r.latency.quantile(0.99)));
  }
  return servers;
}

std::string plot_line(const std::vector<std::string>& servers, bool churn, int column) {
  std::string line = "plot ";
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (i > 0) line += ", ";
    line += fmt::format("{} using 1:{} with linespoints lw 2 pt 7 title {}",
                        gnuplot_quoted(fmt::format("data/{}{}.dat", file_stem(servers[i]), churn ? "-churn" : "")),
                        column, gnuplot_quoted(servers[i]));
  }
  return line + "\n";
}

std::string script(const CompareReport& report, const std::vector<std::string>& closed,
                   const std::vector<std::string>& churn) {
  const int panels = churn.empty() ? 2 : 3;
  std::string gp = fmt::format(
      "# Redraw with: gnuplot chart.gp (from this folder)\n"
      "set terminal pngcairo size {},480 font ',10'\nset output 'chart.png'\n"
      "set multiplot layout 1,{} title {}\n"
      "set logscale x\nset xlabel 'connections'\nset grid\nset key top left\nset yrange [0:*]\n",
      panels * 560, panels, gnuplot_quoted(fmt::format("echo-bench compare: {}-byte lines, pipeline {}, {:.0f} s per point",
                                               report.options.load.size, report.options.load.pipeline,
                                               report.options.load.duration_s)));
  gp += "set title 'throughput (higher is better)'\nset ylabel 'requests/s'\n" + plot_line(closed, false, 2);
  gp += "set title 'p99 latency (lower is better)'\nset ylabel 'µs'\nset logscale y\nset yrange [*:*]\n" +
        plot_line(closed, false, 3);
  if (!churn.empty())
    gp += "unset logscale y\nset yrange [0:*]\nset title 'churn: a connection per request'\nset ylabel 'connections/s'\n" +
          plot_line(churn, true, 2);
  return gp + "unset multiplot\n";
}

}  // namespace

std::string file_stem(const std::string& name) {
  std::string stem;
  for (const char c : name) stem += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return stem;
}

std::string gnuplot_quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

bool write_chart(const CompareReport& report, std::string& error) {
  const fs::path dir(report.out_dir);
  std::error_code ec;
  fs::create_directories(dir / "data", ec);
  const auto closed = write_data(report, false);
  const auto churn = write_data(report, true);
  if (closed.empty()) {
    error = "no point was measured";
    return false;
  }
  std::ofstream(dir / "chart.gp") << script(report, closed, churn);
  return run_gnuplot(report.out_dir, "chart.gp", error);
}

bool run_gnuplot(const std::string& out_dir, const std::string& script_name, std::string& error) {
  const fs::path dir(out_dir);
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  const std::string log = (dir / "logs" / "gnuplot.log").string();
  echo::ChildOptions gnuplot;
  gnuplot.argv = {"gnuplot", script_name};
  gnuplot.cwd = dir.string();
  gnuplot.err = echo::ChildOutput::file(log, false);
  std::optional<echo::ChildExit> ended;
  try {
    ended = echo::ChildProcess(gnuplot).wait_exit(std::chrono::minutes(1));
  } catch (const std::exception& e) {
    error = fmt::format("cannot start gnuplot: {}", e.what());
    return false;
  }
  if (ended && ended->exited() && ended->code() == 127) {
    error = "gnuplot is not installed (Debian: gnuplot-nox); the data and " + script_name + " are in " + out_dir;
    return false;
  }
  if (!ended || !ended->exited() || ended->code() != 0) {
    error = "gnuplot failed, see " + log;
    return false;
  }
  return true;
}

}  // namespace echo::bench
