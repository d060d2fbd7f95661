#pragma once
// What Linux says about processes, read from /proc and the scheduler: used by echo-server (its
// CPUs), echo-bench (what a server's process tree costs) and the tests (zombies, CPU time).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo {

// The CPUs this process may run on now (taskset, cpusets), in order.
std::vector<int> allowed_cpus();

// The children of every thread of `pid` (/proc/PID/task/*/children).
std::vector<pid_t> child_pids(pid_t pid);
// `root` and every descendant, root first.
std::vector<pid_t> process_tree(pid_t root);

// /proc/PID/stat, split after the command name (which may hold spaces and parentheses).
class ProcStat {
 public:
  static std::optional<ProcStat> read(pid_t pid);  // nullopt once the process is gone
  // Field n as proc(5) numbers them: 3 state, 14-17 utime stime cutime cstime (clock ticks),
  // 20 num_threads, 24 rss (pages). Empty past the end.
  std::string_view field(int n) const;
  std::uint64_t number(int n) const;  // field n as a number; 0 if absent

 private:
  std::vector<std::string> fields_;  // field 3 onwards
};

}  // namespace echo
