#pragma once
// The open loop's clock (--rate): line k of a load thread is due at t0 + k / rate, whatever the
// server does. A timerfd wakes the thread when the next line is due: epoll_wait's millisecond
// timeout is too coarse for rates past a thousand lines a second.

#include <cstdint>

#include "worker_plan.hpp"

namespace echo::bench {

class OpenLoopSchedule {
 public:
  explicit OpenLoopSchedule(double rate);  // 0: closed loop, no schedule and no timer
  ~OpenLoopSchedule();
  OpenLoopSchedule(const OpenLoopSchedule&) = delete;
  OpenLoopSchedule& operator=(const OpenLoopSchedule&) = delete;

  bool active() const { return timer_fd_ >= 0; }
  int timer_fd() const { return timer_fd_; }  // readable when woken: watch it with epoll

  void start(Clock::time_point t0) { t0_ = t0; }  // line 0 is due at t0
  Clock::time_point due_time(std::uint64_t line) const;
  std::uint64_t due_by(Clock::time_point now) const;  // how many lines are due at `now`

  void wake_at(std::uint64_t line);  // the timer fires when `line` is due
  void stop_waking();
  void clear_wakeup();  // after it fired: reads the timer so that epoll stops reporting it

 private:
  double rate_;
  Clock::time_point t0_;
  int timer_fd_ = -1;
};

}  // namespace echo::bench
