#include "tree_usage.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "proc_info.hpp"

namespace echo {
namespace {

// "Pss:   123 kB" from /proc/PID/smaps_rollup.
std::size_t pss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Pss:", 0) == 0) return std::stoul(line.substr(4));
  return 0;
}

std::size_t open_fds(pid_t pid) {
  std::size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  return fds;
}

}  // namespace

TreeUsage sample_tree(pid_t root, TreeDetail detail) {
  static const auto page_kib = static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) / 1024;
  TreeUsage usage;
  for (const pid_t pid : process_tree(root)) {
    const auto stat = ProcStat::read(pid);
    if (!stat) continue;  // gone meanwhile
    ++usage.processes;
    usage.threads += stat->number(20);             // num_threads
    usage.rss_kib += stat->number(24) * page_kib;  // rss, in pages
    if (stat->field(3) == "Z") ++usage.zombies;
    if (detail == TreeDetail::with_pss_and_fds) {
      usage.pss_kib += pss_kib(pid);
      usage.fds += open_fds(pid);
    }
  }
  return usage;
}

}  // namespace echo
