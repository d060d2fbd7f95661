#pragma once
// What a process tree costs right now, read from /proc (Linux).

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace echo::test {

struct TreeStats {
  std::size_t rss_kib = 0;  // resident memory, summed over the tree (shared pages counted in each)
  std::size_t pss_kib = 0;  // proportional: a page shared by n processes counts 1/n in each
  std::size_t threads = 0;
  std::size_t processes = 0;
  std::size_t fds = 0;  // open file descriptors, summed
};

TreeStats tree_stats(pid_t root);  // over echo::process_tree(root)

}  // namespace echo::test
