#pragma once
// One load thread: an epoll loop that keeps its share of the connections busy. Closed loop: a
// connection sends its next line as soon as a reply frees a pipeline slot. Open loop (--rate):
// line k of this thread is due at t0 + k/rate, whatever the server does, and its latency counts
// from that moment (wrk2's coordinated-omission correction), so a stall shows in the percentiles.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "payload.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

class LoadWorker {
 public:
  LoadWorker(const WorkerPlan& plan, WorkerStats& stats, RunControl& control);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  void run();  // returns once stopped (or its -n share is answered) and drained

 private:
  enum class State { idle, connecting, open, draining, closed };
  struct Conn {
    explicit Conn(const Payload& payload) : checker(payload) {}
    int fd = -1;
    State state = State::idle;
    Clock::time_point since;          // connecting: when it started; idle: when to try again
    Clock::time_point last_progress;  // last reply byte, or first line sent after a quiet spell
    std::uint64_t sent = 0, answered = 0;
    std::uint64_t allowed = 0;              // open loop: lines due on this connection so far
    std::vector<Clock::time_point> origin;  // ring (size -p): where each in-flight latency starts
    std::string out;                        // bytes not yet written
    std::size_t out_done = 0;
    bool want_write = false;  // EPOLLOUT armed
    bool shut = false;        // our end of input sent
    ReplyChecker checker;
  };

  void open_connection(Conn& c, Clock::time_point now);
  void on_connected(Conn& c, Clock::time_point now);
  void on_readable(Conn& c);
  void consume(Conn& c, std::string_view data, Clock::time_point now);
  void fill(Conn& c, Clock::time_point now);
  void flush(Conn& c);
  void fail(Conn& c, ErrorKind kind, int err);
  void close_conn(Conn& c, State next);
  void watch(Conn& c, bool add);
  void release_due(Clock::time_point now);
  void arm_timer();
  void check_timers(Clock::time_point now);
  void begin_drain(Clock::time_point now);
  bool budget_done() const { return plan_.requests != 0 && budget_ == 0 && outstanding_ == 0; }
  Clock::time_point due_time(std::uint64_t k) const;

  WorkerPlan plan_;
  WorkerStats& stats_;
  RunControl& control_;
  std::size_t pipeline_;
  Clock::duration timeout_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;  // open loop: fires when the next line is due (sub-millisecond)
  std::vector<Conn> conns_;
  std::uint64_t budget_ = 0;       // lines still to send under -n
  std::uint64_t outstanding_ = 0;  // lines sent and not yet answered, all connections
  std::uint64_t released_ = 0;     // open loop: lines of this thread made due so far
  Clock::time_point t0_;           // open loop: when line 0 was due
  bool draining_ = false;
  Clock::time_point drain_deadline_;
  std::vector<char> buf_;  // one read buffer for every connection
};

}  // namespace echo::bench
