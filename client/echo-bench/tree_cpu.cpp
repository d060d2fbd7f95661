#include "tree_cpu.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "proc_info.hpp"

namespace echo::bench {
namespace {

// Nanoseconds the task has run (/proc/PID/task/TID/schedstat, first field). Exact, where
// /proc/PID/stat counts 10 ms ticks: fork's thousand children, each running a few ms during a
// run, would each read 0 ticks.
double task_cpu_seconds(const std::filesystem::path& task) {
  std::ifstream in(task / "schedstat");
  double ns = 0;
  in >> ns;
  return ns / 1e9;
}

}  // namespace

double tree_cpu_seconds(pid_t root) {
  static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double seconds = 0;
  for (const pid_t pid : echo::process_tree(root)) {
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
      seconds += task_cpu_seconds(it->path());
    if (const auto stat = echo::ProcStat::read(pid))  // cutime cstime: children it reaped (ticks)
      seconds += static_cast<double>(stat->number(16) + stat->number(17)) / tick;
  }
  return seconds;
}

}  // namespace echo::bench
