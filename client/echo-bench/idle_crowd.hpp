#pragma once
// --idle N: N connections opened before the load starts and held open, silent, for the whole
// run (the C10K question: what does a crowd of idle clients cost the active ones?). At the end
// each one sends one line and must get its reply: a server that dropped or forgot an idle
// connection is caught.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "connect_pace.hpp"
#include "payload.hpp"
#include "run_result.hpp"
#include "target.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

class IdleCrowd {
 public:
  IdleCrowd(const Target& target, const Payload& payload, Clock::duration timeout, double connect_rate);
  ~IdleCrowd();  // closes them
  IdleCrowd(const IdleCrowd&) = delete;
  IdleCrowd& operator=(const IdleCrowd&) = delete;

  // Opens `count` connections, at most kConnectsInFlight at a time (and --connect-rate), until each one connected or
  // failed. Returns how many are open. Stops early on Ctrl-C.
  std::size_t open(std::size_t count);
  // Each open connection sends one line; returns how many answered it correctly in time.
  std::size_t check_alive();
  // At the end of the run: checks them (if any) and adds what the crowd counted to r.
  void finish(RunResult& r);

  std::size_t asked() const { return asked_; }
  std::size_t established() const { return fds_.size(); }
  double open_s() const { return open_s_; }
  // Connects that failed and connections that did not answer at the end, by kind.
  const std::array<std::uint64_t, kErrorKinds>& errors() const { return errors_; }
  const std::array<int, kErrorKinds>& first_errno() const { return first_errno_; }

 private:
  static constexpr std::size_t kConnectsInFlight = 1000;  // under the listen backlog
  void error(ErrorKind kind, int err);

  const Target& target_;
  const Payload& payload_;
  Clock::duration timeout_;
  ConnectPace pace_;
  int epoll_fd_;
  std::vector<int> fds_;  // established
  std::size_t asked_ = 0;
  double open_s_ = 0;
  std::array<std::uint64_t, kErrorKinds> errors_{};
  std::array<int, kErrorKinds> first_errno_{};
};

}  // namespace echo::bench
