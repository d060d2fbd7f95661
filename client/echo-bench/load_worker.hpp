#pragma once
// One load thread: an epoll loop that keeps its share of the connections busy. The pacing says
// when a connection may send its next line. Closed loop: as soon as a reply frees a pipeline slot.
// Open loop (--rate): once the line is due; line k of this thread is due at t0 + k/rate, whatever
// the server does, and its latency counts from that moment (wrk2's coordinated-omission
// correction), so a stall shows in the percentiles. -n caps the lines either pacing lets go.

#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connect_pace.hpp"
#include "open_loop_schedule.hpp"
#include "payload.hpp"
#include "request_budget.hpp"
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
    std::uint64_t released = 0;             // open loop: lines of this connection due so far
    std::vector<Clock::time_point> origin;  // ring (size -p): where each in-flight latency starts
    std::string out;                        // bytes not yet written
    std::size_t out_done = 0;
    bool want_write = false;  // EPOLLOUT armed
    bool shut = false;        // our end of input sent
    ReplyChecker checker;
  };

  // The loop
  void on_event(const epoll_event& ev, Clock::time_point now);
  void end_first_round();
  void start(Clock::time_point now);
  void check_timers(Clock::time_point now);
  void begin_drain(Clock::time_point now);
  bool budget_done() const { return budget_.spent() && outstanding_ == 0; }

  // Pacing: which lines may go, and where their latency starts
  void release_due(Clock::time_point now);
  bool pacing_allows(Conn& c);
  Clock::time_point origin_of_next(const Conn& c, Clock::time_point now) const;

  // One connection
  void open_more(Clock::time_point now);
  void open_connection(Conn& c, Clock::time_point now);
  void on_connected(Conn& c, Clock::time_point now);
  void on_readable(Conn& c);
  void consume(Conn& c, std::string_view data, Clock::time_point now);
  void fill(Conn& c, Clock::time_point now);
  void flush(Conn& c);
  void fail(Conn& c, ErrorKind kind, int err);
  void close_conn(Conn& c, State next);
  void watch(Conn& c, bool add);
  std::size_t index_of(const Conn& c) const { return static_cast<std::size_t>(&c - conns_.data()); }

  WorkerPlan plan_;
  WorkerStats& stats_;
  RunControl& control_;
  std::size_t pipeline_;
  Clock::duration timeout_;
  int epoll_fd_ = -1;
  std::vector<Conn> conns_;
  RequestBudget budget_;           // -n's share
  OpenLoopSchedule schedule_;      // --rate's share; inactive in the closed loop
  ConnectPace connect_pace_;       // --connect-rate's share
  std::uint64_t released_ = 0;     // open loop: lines of this thread released so far
  std::uint64_t outstanding_ = 0;  // lines sent and not yet answered, all connections
  bool first_round_over_ = false;  // every connection established or failed once
  bool started_ = false;
  static constexpr std::size_t kConnectsInFlight = 1000;  // connects not yet answered, at most
  std::size_t next_untried_ = 0;                          // conns_ before it were opened once
  std::size_t connecting_ = 0;                            // in State::connecting           // the run said go: lines may be sent
  bool draining_ = false;
  Clock::time_point drain_deadline_;
  std::vector<char> buf_;  // one read buffer for every connection
};

}  // namespace echo::bench
