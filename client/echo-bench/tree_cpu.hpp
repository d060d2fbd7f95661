#pragma once
// CPU seconds a process tree has used so far: its own, its live descendants' and what it reaped
// of its children. Read at two moments, it gives what a server spent between them (chat measures
// only its sending, not the joins before it).

#include <sys/types.h>

namespace echo::bench {

double tree_cpu_seconds(pid_t root);

}  // namespace echo::bench
