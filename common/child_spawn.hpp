#pragma once
// The fork + exec half of ChildProcess: the child set up as ChildOptions say, before exec.

#include <sys/types.h>

#include "child_process.hpp"

namespace echo {

struct SpawnedChild {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // our non-blocking ends of its pipes (-1: not a pipe)
};

// Throws std::runtime_error with one line when it cannot start it; a program that cannot be
// executed exits with status 127 after saying why on its stderr.
SpawnedChild spawn_child(const ChildOptions& options);

}  // namespace echo
