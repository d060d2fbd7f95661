#pragma once
// What a process tree costs right now (Linux /proc), with everything the tests compare: memory
// (RSS and PSS), threads, processes, zombies and open descriptors.

#include <sys/types.h>

#include "tree_usage.hpp"

namespace echo::test {

using TreeStats = echo::TreeUsage;

inline TreeStats tree_stats(pid_t root) { return echo::sample_tree(root, echo::TreeDetail::with_pss_and_fds); }

}  // namespace echo::test
