#pragma once
// --connect-rate R: at most R connects started per second (retries included), for servers that
// accept slower than the kernel completes handshakes. The client cannot see acceptance: a
// connect "succeeds" once the server's kernel queues it, so against a slow acceptor (fork()
// costs ~0.7 ms on our VMs) an unpaced crowd overflows the accept queue, and the overflow shows
// up as SYN cookies, retransmissions and resets long after the connects "worked".

#include <cstdint>

#include "worker_plan.hpp"

namespace echo::bench {

class ConnectPace {
 public:
  explicit ConnectPace(double per_second) : per_second_(per_second) {}

  // Whether one more connect may start now: connect k (from 0) no sooner than k / R seconds
  // after the first.
  bool allows(Clock::time_point now) {
    if (per_second_ <= 0) return true;
    if (started_ == 0) first_ = now;
    const double elapsed = std::chrono::duration<double>(now - first_).count();
    return static_cast<double>(started_) <= per_second_ * elapsed;
  }
  void started() { ++started_; }

 private:
  double per_second_;  // 0: unpaced
  std::uint64_t started_ = 0;
  Clock::time_point first_;
};

}  // namespace echo::bench
