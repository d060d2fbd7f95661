#pragma once
// What a process tree holds right now: a server, its threads and every descendant (fork mode's
// children), read from /proc. echo-bench samples it for a server's peaks; the tests compare it
// before and after a load (leaks, zombies, processes left over).

#include <sys/types.h>

#include <cstddef>

namespace echo {

struct TreeUsage {
  std::size_t rss_kib = 0;  // resident memory, summed (a page shared by n processes counts n times)
  std::size_t pss_kib = 0;  // proportional: a page shared by n processes counts 1/n in each
  std::size_t threads = 0;
  std::size_t processes = 0;
  std::size_t zombies = 0;  // processes that exited and were not reaped yet
  std::size_t fds = 0;      // open file descriptors, summed
};

// How much to read: /proc/PID/stat alone is cheap enough to sample often, even over a thousand
// processes; PSS (smaps_rollup walks the page tables) and descriptors cost more.
enum class TreeDetail { stat_only, with_pss_and_fds };

// Over echo::process_tree(root); processes that vanish meanwhile are left out.
TreeUsage sample_tree(pid_t root, TreeDetail detail);

}  // namespace echo
