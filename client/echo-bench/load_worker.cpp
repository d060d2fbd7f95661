#include "load_worker.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace echo::bench {
namespace {

constexpr std::uint64_t kTimerTag = UINT64_MAX;

}  // namespace

LoadWorker::LoadWorker(const WorkerPlan& plan, WorkerStats& stats, RunControl& control)
    : plan_(plan),
      stats_(stats),
      control_(control),
      pipeline_(plan.options->pipeline),
      timeout_(to_duration(plan.options->timeout_s)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      budget_(plan.requests),
      buf_(kReadBuffer) {
  conns_.reserve(plan.connections);
  for (std::size_t i = 0; i < plan.connections; ++i) {
    Conn& c = conns_.emplace_back(*plan.payload);
    c.origin.resize(pipeline_);
    c.out.reserve(pipeline_ * plan.payload->size());
  }
  if (plan_.rate > 0) {
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev);
  }
}

LoadWorker::~LoadWorker() {
  for (Conn& c : conns_)
    if (c.fd >= 0) close(c.fd);
  if (timer_fd_ >= 0) close(timer_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void LoadWorker::run() {
  auto now = Clock::now();
  for (Conn& c : conns_) open_connection(c, now);

  // First round: every connection established or failed, so the run can say how many it got.
  bool reported = false;
  auto report_connected = [&] {
    if (reported) return;
    reported = true;
    control_.connected.fetch_add(1);
  };

  std::vector<epoll_event> events(256);
  auto next_tick = now;
  while (true) {
    now = Clock::now();
    if (!reported && std::none_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.state == State::connecting; })) {
      report_connected();
      t0_ = now;
      if (plan_.rate > 0) {
        release_due(now);
        arm_timer();
      }
    }
    if (!draining_ && (control_.stop.load(std::memory_order_relaxed) || budget_done())) begin_drain(now);
    if (draining_ && (now >= drain_deadline_ ||
                      std::all_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.state == State::closed; })))
      break;
    if (now >= next_tick) {
      check_timers(now);
      next_tick = now + kTick;
    }
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kTick).count()));
    now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      if (ev.data.u64 == kTimerTag) {
        std::uint64_t expirations;
        [[maybe_unused]] auto r = read(timer_fd_, &expirations, sizeof expirations);
        if (!draining_) {
          release_due(now);
          arm_timer();
        }
        continue;
      }
      Conn& c = conns_[ev.data.u64];
      if (c.state == State::connecting) {
        on_connected(c, now);
        continue;
      }
      if (c.fd >= 0 && (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(c);
      if (c.fd >= 0 && (ev.events & EPOLLOUT)) flush(c);
    }
  }
  report_connected();
  for (Conn& c : conns_)
    if (c.fd >= 0) close_conn(c, State::closed);
}

void LoadWorker::open_connection(Conn& c, Clock::time_point now) {
  c.fd = start_connect(*plan_.target);
  if (c.fd < 0) {
    fail(c, error_kind_of(errno), errno);
    return;
  }
  c.state = State::connecting;
  c.since = now;
  c.want_write = true;
  watch(c, true);
}

void LoadWorker::on_connected(Conn& c, Clock::time_point now) {
  if (const int err = socket_error(c.fd); err != 0) {
    fail(c, error_kind_of(err), err);
    return;
  }
  stats_.connects.add();
  if (control_.measuring.load(std::memory_order_relaxed)) stats_.connect_latency.record(ns_between(c.since, now));
  c.state = State::open;
  c.want_write = false;
  watch(c, false);
  fill(c, now);
  flush(c);
}

void LoadWorker::on_readable(Conn& c) {
  const ssize_t n = recv(c.fd, buf_.data(), buf_.size(), 0);
  if (n > 0) {
    if (control_.measuring.load(std::memory_order_relaxed)) stats_.bytes_in.add(static_cast<std::uint64_t>(n));
    consume(c, {buf_.data(), static_cast<std::size_t>(n)}, Clock::now());
  } else if (n == 0) {
    if (c.state == State::draining) {
      close_conn(c, State::closed);
    } else {
      fail(c, ErrorKind::early_close, 0);  // the server hung up while we still wanted answers
    }
  } else if (errno != EAGAIN && errno != EINTR) {
    if (c.state == State::draining) {
      close_conn(c, State::closed);
    } else {
      fail(c, error_kind_of(errno), errno);
    }
  }
}

void LoadWorker::consume(Conn& c, std::string_view data, Clock::time_point now) {
  const bool measuring = control_.measuring.load(std::memory_order_relaxed) && !draining_;
  c.last_progress = now;
  while (!data.empty()) {
    if (c.answered == c.sent) {
      if (!draining_) fail(c, ErrorKind::mismatch, 0);  // a reply to nothing we asked
      return;
    }
    const auto step = c.checker.feed(c.answered, data);
    data.remove_prefix(step.consumed);
    if (!step.complete) break;
    const std::uint64_t latency = ns_between(c.origin[c.answered % pipeline_], now);
    ++c.answered;
    --outstanding_;
    if (!step.correct) {
      if (stats_.mismatch_sample.empty()) stats_.mismatch_sample = c.checker.sample_mismatch();
      if (!draining_) stats_.error(ErrorKind::mismatch);
    } else {
      stats_.requests_total.add();
      if (measuring) {
        stats_.requests.add();
        stats_.latency.record(latency);
      }
    }
  }
  if (c.state == State::open) {
    fill(c, now);
    flush(c);
  }
}

void LoadWorker::fill(Conn& c, Clock::time_point now) {
  if (draining_) return;
  const std::size_t index = static_cast<std::size_t>(&c - conns_.data());
  while (c.sent - c.answered < pipeline_) {
    Clock::time_point origin = now;
    if (plan_.rate > 0) {
      if (c.sent >= c.allowed) break;
      origin = due_time(c.sent * conns_.size() + index);  // when this line was due, not now
    } else if (plan_.requests != 0) {
      if (budget_ == 0) break;
      --budget_;
    }
    if (c.sent == c.answered) c.last_progress = now;
    c.origin[c.sent % pipeline_] = origin;
    plan_.payload->append_request(c.sent, c.out);
    ++c.sent;
    ++outstanding_;
  }
}

void LoadWorker::flush(Conn& c) {
  while (c.out_done < c.out.size()) {
    const ssize_t n = send(c.fd, c.out.data() + c.out_done, c.out.size() - c.out_done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      fail(c, error_kind_of(errno), errno);
      return;
    }
    c.out_done += static_cast<std::size_t>(n);
    if (control_.measuring.load(std::memory_order_relaxed)) stats_.bytes_out.add(static_cast<std::uint64_t>(n));
  }
  const bool pending = c.out_done < c.out.size();
  if (!pending) {
    c.out.clear();  // keeps its capacity: no allocation on the next line
    c.out_done = 0;
    if (c.state == State::draining && !c.shut) {
      shutdown(c.fd, SHUT_WR);  // our end of input: the server answers what it has, then closes
      c.shut = true;
    }
  }
  if (pending != c.want_write) {
    c.want_write = pending;
    watch(c, false);
  }
}

void LoadWorker::fail(Conn& c, ErrorKind kind, int err) {
  stats_.error(kind, err);
  outstanding_ -= c.sent - c.answered;
  c.answered = c.sent;  // what was in flight on this connection is lost with it
  c.checker = ReplyChecker(*plan_.payload);
  close_conn(c, draining_ ? State::closed : State::idle);
  c.since = Clock::now() + kRetryDelay;
}

void LoadWorker::close_conn(Conn& c, State next) {
  if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  c.state = next;
  c.out.clear();
  c.out_done = 0;
  c.want_write = false;
  c.shut = false;
}

void LoadWorker::watch(Conn& c, bool add) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_write ? EPOLLOUT : 0u);
  ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
}

Clock::time_point LoadWorker::due_time(std::uint64_t k) const {
  return t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(k) / plan_.rate));
}

void LoadWorker::release_due(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - t0_).count();
  std::uint64_t due = static_cast<std::uint64_t>(std::floor(elapsed * plan_.rate)) + 1;
  if (plan_.requests != 0) due = std::min(due, plan_.requests);
  for (; released_ < due; ++released_) {
    Conn& c = conns_[released_ % conns_.size()];
    ++c.allowed;
    if (plan_.requests != 0) --budget_;
    if (c.state == State::open) {
      fill(c, now);
      flush(c);
    }
  }
}

void LoadWorker::arm_timer() {
  if (plan_.requests != 0 && released_ >= plan_.requests) return;
  const auto next = due_time(released_).time_since_epoch();
  itimerspec spec{};
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(next);
  spec.it_value.tv_sec = secs.count();
  spec.it_value.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(next - secs).count();
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are absolute timer values.
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void LoadWorker::check_timers(Clock::time_point now) {
  for (Conn& c : conns_) {
    switch (c.state) {
      case State::idle:
        if (!draining_ && now >= c.since) open_connection(c, now);
        break;
      case State::connecting:
        if (now - c.since > timeout_) fail(c, ErrorKind::timeout, ETIMEDOUT);
        break;
      case State::open:
      case State::draining:
        if (c.sent != c.answered && now - c.last_progress > timeout_) fail(c, ErrorKind::timeout, ETIMEDOUT);
        break;
      case State::closed:
        break;
    }
  }
}

void LoadWorker::begin_drain(Clock::time_point now) {
  draining_ = true;
  drain_deadline_ = now + std::min<Clock::duration>(timeout_, kDrainLimit);
  if (timer_fd_ >= 0) {
    itimerspec off{};
    timerfd_settime(timer_fd_, 0, &off, nullptr);
  }
  for (Conn& c : conns_) {
    if (c.state == State::open) {
      c.state = State::draining;
      flush(c);  // sends our end of input once the last bytes are out
    } else if (c.state != State::draining) {
      close_conn(c, State::closed);
    }
  }
}

}  // namespace echo::bench
