#include "tree_cpu.hpp"

#include <unistd.h>

#include "proc_info.hpp"

namespace echo::bench {

double tree_cpu_seconds(pid_t root) {
  static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double ticks = 0;
  for (const pid_t pid : echo::process_tree(root))
    if (const auto stat = echo::ProcStat::read(pid))  // utime stime cutime cstime
      ticks += static_cast<double>(stat->number(14) + stat->number(15) + stat->number(16) + stat->number(17));
  return ticks / tick;
}

}  // namespace echo::bench
