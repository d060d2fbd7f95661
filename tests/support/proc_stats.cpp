#include "proc_stats.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include "proc_info.hpp"

namespace echo::test {
namespace {

// "Key:   123 kB" from a /proc/PID file.
std::size_t proc_field(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/" + file);
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stoul(line.substr(key.size() + 1));
  return 0;
}

}  // namespace

TreeStats tree_stats(pid_t root) {
  TreeStats stats;
  for (const pid_t pid : process_tree(root)) {
    stats.rss_kib += proc_field(pid, "status", "VmRSS");
    stats.pss_kib += proc_field(pid, "smaps_rollup", "Pss");
    stats.threads += proc_field(pid, "status", "Threads");
    stats.processes += 1;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      ++stats.fds;
  }
  return stats;
}

}  // namespace echo::test
