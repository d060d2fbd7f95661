#include "open_loop_schedule.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cmath>

namespace echo::bench {

OpenLoopSchedule::OpenLoopSchedule(double rate) : rate_(rate) {
  if (rate_ > 0) timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

OpenLoopSchedule::~OpenLoopSchedule() {
  if (timer_fd_ >= 0) close(timer_fd_);
}

Clock::time_point OpenLoopSchedule::due_time(std::uint64_t line) const {
  return t0_ + to_duration(static_cast<double>(line) / rate_);
}

std::uint64_t OpenLoopSchedule::due_by(Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - t0_).count();
  return static_cast<std::uint64_t>(std::floor(elapsed * rate_)) + 1;
}

void OpenLoopSchedule::wake_at(std::uint64_t line) {
  const auto at = due_time(line).time_since_epoch();
  itimerspec spec{};
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(at);
  spec.it_value.tv_sec = secs.count();
  spec.it_value.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(at - secs).count();
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // all zero disarms
  // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are absolute timer values.
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void OpenLoopSchedule::stop_waking() {
  if (timer_fd_ < 0) return;
  itimerspec off{};
  timerfd_settime(timer_fd_, 0, &off, nullptr);
}

void OpenLoopSchedule::clear_wakeup() {
  std::uint64_t expirations;
  [[maybe_unused]] auto r = read(timer_fd_, &expirations, sizeof expirations);
}

}  // namespace echo::bench
