#pragma once
// fork and hybrid: the chat's one decider, a thread in the parent process (fork's acceptor,
// hybrid's supervisor). Each worker process (a fork child, a hybrid worker) has one socketpair
// to it. The hub reads events from every worker, runs the ChatCore (so every room has one order,
// server-wide, and /who sees every process), and writes each delivery once per worker that has
// recipients, with their ids. It never blocks on a worker: output waits in a per-worker buffer,
// and a worker whose buffer passes kMaxWorkerBacklog is taken for dead and let go.
// A worker that dies closes its end: its members leave their rooms, the others go on.

#include <asio/io_context.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "counters.hpp"
#include "transform.hpp"

namespace echo::chat {

class Hub {
 public:
  Hub(Transform transform, Counters& counters);
  ~Hub();  // stops the thread; call once the workers are gone
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // A socketpair for a worker about to be forked: returns {the worker's end, the hub's end}.
  // The caller forks, closes the worker's end in the parent and hands the hub's end to adopt().
  static std::pair<int, int> make_channel();
  void adopt(int hub_end);  // any thread

  // Around fork(): the hub thread waits, idle, in a handler of ours, so that it holds no lock
  // (of the allocator above all) that the child would inherit locked. Seen without it under
  // ASan: a child deadlocked in its first allocation. The parent resumes it after fork();
  // the child never touches the hub.
  void pause_for_fork();
  void resume_after_fork();

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

// In a freshly forked worker: closes every inherited descriptor above 2 but `keep` (the other
// workers' channels above all: a worker that held one would keep the hub from seeing it die).
void close_inherited_fds(std::initializer_list<int> keep);

}  // namespace echo::chat
