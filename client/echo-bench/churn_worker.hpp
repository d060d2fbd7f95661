#pragma once
// One --churn load thread: each slot repeats connect, one line, our end of input, the reply, the
// server's close, and starts again at once. This is the load where a process or a thread per
// connection costs most. Because we half-close first and wait for the server to close, the
// server keeps the TIME_WAIT, so we do not run out of local ports.

#include <cstdint>
#include <string>
#include <vector>

#include "payload.hpp"
#include "request_budget.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

class ChurnWorker {
 public:
  ChurnWorker(const WorkerPlan& plan, WorkerStats& stats, RunControl& control);
  ~ChurnWorker();
  ChurnWorker(const ChurnWorker&) = delete;
  ChurnWorker& operator=(const ChurnWorker&) = delete;

  void run();

 private:
  enum class State { idle, connecting, sending, reading, done };
  struct Slot {
    explicit Slot(const Payload& payload) : checker(payload) {}
    int fd = -1;
    State state = State::idle;
    Clock::time_point since;  // idle: when to start again; otherwise when this step began
    Clock::time_point sent_at;
    std::uint64_t seq = 0;  // which request variant this connection carries
    std::string out;
    std::size_t out_done = 0;
    bool answered = false;
    ReplyChecker checker;
  };

  void start(Slot& s, Clock::time_point now);
  void on_event(Slot& s, std::uint32_t events, Clock::time_point now);
  void send_request(Slot& s, Clock::time_point now);
  void read_reply(Slot& s, Clock::time_point now);
  void finish(Slot& s, Clock::time_point now);
  void fail(Slot& s, ErrorKind kind, int err);
  void close_slot(Slot& s, State next, Clock::time_point retry_at);
  void watch(Slot& s, std::uint32_t events, int op);

  WorkerPlan plan_;
  WorkerStats& stats_;
  RunControl& control_;
  Clock::duration timeout_;
  int epoll_fd_ = -1;
  std::vector<Slot> slots_;
  RequestBudget budget_;  // -n's share
  std::uint64_t next_seq_ = 0;
  bool stopping_ = false;
  std::vector<char> buf_;
};

}  // namespace echo::bench
