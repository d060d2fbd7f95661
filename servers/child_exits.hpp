#pragma once
// What a parent process (fork's acceptor, hybrid's supervisor) needs to notice its children's
// exits without polling: SIGCHLD makes fd() readable, so it sleeps in poll() beside its other
// descriptors, and reap() costs nothing unless a child really exited. One per process.

#include <sys/types.h>

#include <chrono>
#include <functional>

namespace echo {

class ChildExits {
 public:
  ChildExits();  // installs the SIGCHLD handler
  ~ChildExits();
  ChildExits(const ChildExits&) = delete;
  ChildExits& operator=(const ChildExits&) = delete;

  int fd() const;  // readable after a SIGCHLD
  // Reaps every child that has exited, calling on_exit(pid, wait status) for each.
  void reap(const std::function<void(pid_t, int)>& on_exit);
  // At stop: reaps as children exit until `all_gone()` or the deadline. True if all are gone.
  bool reap_until(const std::function<bool()>& all_gone, std::chrono::steady_clock::time_point deadline,
                  const std::function<void(pid_t, int)>& on_exit);
  // In a newly forked child: drop the parent's handler and descriptor.
  void forget_in_child();
};

}  // namespace echo
