#include "load_worker.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace echo::bench {

constexpr std::uint64_t kTimerTag = UINT64_MAX;  // epoll tag of the open loop's timer; else a connection's index

LoadWorker::LoadWorker(const WorkerPlan& plan, WorkerStats& stats, RunControl& control)
    : plan_(plan),
      stats_(stats),
      control_(control),
      pipeline_(plan.options->pipeline),
      timeout_(to_duration(plan.options->timeout_s)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      budget_(plan.requests),
      schedule_(plan.rate),
      connect_pace_(plan.connect_rate),
      buf_(kReadBuffer) {
  conns_.reserve(plan.connections);
  for (std::size_t i = 0; i < plan.connections; ++i) {
    Conn& c = conns_.emplace_back(*plan.payload);
    c.origin.resize(pipeline_);
    c.out.reserve(pipeline_ * plan.payload->size());
  }
  if (schedule_.active()) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, schedule_.timer_fd(), &ev);
  }
}

LoadWorker::~LoadWorker() {
  for (Conn& c : conns_)
    if (c.fd >= 0) close(c.fd);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void LoadWorker::run() {
  auto now = Clock::now();
  open_more(now);
  std::vector<epoll_event> events(256);
  auto next_tick = now;
  while (true) {
    now = Clock::now();
    open_more(now);
    if (!first_round_over_ && next_untried_ == conns_.size() && connecting_ == 0)
      end_first_round();
    if (!started_ && first_round_over_ && control_.go.load(std::memory_order_relaxed)) start(now);
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
    for (int i = 0; i < n; ++i) on_event(events[static_cast<std::size_t>(i)], now);
  }
  if (!first_round_over_) control_.connected.fetch_add(1);  // stopped first: the run waits for no one
  for (Conn& c : conns_)
    if (c.fd >= 0) close_conn(c, State::closed);
}

void LoadWorker::on_event(const epoll_event& ev, Clock::time_point now) {
  if (ev.data.u64 == kTimerTag) {
    schedule_.clear_wakeup();
    if (draining_) return;
    // The timer was set for line released_: how late it woke us is the bench's own delay.
    if (control_.measuring.load(std::memory_order_relaxed))
      stats_.schedule_lag.record(ns_between(schedule_.due_time(released_), now));
    release_due(now);
    return;
  }
  Conn& c = conns_[ev.data.u64];
  if (c.state == State::connecting) {
    on_connected(c, now);
    return;
  }
  if (c.fd >= 0 && (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(c);
  if (c.fd >= 0 && (ev.events & EPOLLOUT)) flush(c);
}

// Every connection established or failed once: the run can say how many it got.
void LoadWorker::end_first_round() {
  first_round_over_ = true;
  control_.connected.fetch_add(1);
}

// Every thread (and every sibling process) holds its connections: all of them start at once, so
// -c connections are really open together, and the open loop's line 0 is due now.
void LoadWorker::start(Clock::time_point now) {
  started_ = true;
  if (schedule_.active()) {
    schedule_.start(now);
    release_due(now);
    return;
  }
  for (Conn& c : conns_) {
    if (c.state != State::open) continue;
    fill(c, now);
    flush(c);
  }
}

// Every kTick: retries after an error, and connects or replies that took too long.
void LoadWorker::check_timers(Clock::time_point now) {
  for (Conn& c : conns_) {
    if (c.state == State::idle && !draining_ && now >= c.since && index_of(c) < next_untried_ &&
        connecting_ < kConnectsInFlight && connect_pace_.allows(now)) {
      open_connection(c, now);
    } else if (c.state == State::connecting && now - c.since > timeout_) {
      fail(c, ErrorKind::timeout, ETIMEDOUT);
    } else if ((c.state == State::open || c.state == State::draining) && c.sent != c.answered &&
               now - c.last_progress > timeout_) {
      fail(c, ErrorKind::timeout, ETIMEDOUT);
    }
  }
}

void LoadWorker::begin_drain(Clock::time_point now) {
  draining_ = true;
  drain_deadline_ = now + std::min<Clock::duration>(timeout_, kDrainLimit);
  schedule_.stop_waking();
  for (Conn& c : conns_) {
    if (c.state == State::open) {
      c.state = State::draining;
      flush(c);  // sends our end of input once the last bytes are out
    } else if (c.state != State::draining) {
      close_conn(c, State::closed);
    }
  }
}

// Open loop: releases every line due by now, within -n, round robin over the connections
// (connection i's j-th line is line j*N + i), sends what their pipelines take, and sets the timer
// for the next one.
void LoadWorker::release_due(Clock::time_point now) {
  for (const std::uint64_t due = schedule_.due_by(now); released_ < due && budget_.take(); ++released_) {
    Conn& c = conns_[released_ % conns_.size()];
    ++c.released;
    if (c.state == State::open) {
      fill(c, now);
      flush(c);
    }
  }
  if (!budget_.spent()) schedule_.wake_at(released_);  // else -n's share is out: nothing to wake for
}

// Whether c may send one more line now. Open loop: a line the schedule released to it. Closed
// loop: a line the moment a pipeline slot is free, within -n.
bool LoadWorker::pacing_allows(Conn& c) {
  return schedule_.active() ? c.sent < c.released : budget_.take();
}

// Where the latency of c's next line starts: now, or (open loop) when that line was due, so a
// server that falls behind is charged for the wait.
Clock::time_point LoadWorker::origin_of_next(const Conn& c, Clock::time_point now) const {
  return schedule_.active() ? schedule_.due_time(c.sent * conns_.size() + index_of(c)) : now;
}

// First connects, a few at a time: thousands of SYNs at once overflow the server's listen queue,
// and a dropped SYN is retried only after 1, 3, 7... seconds.
void LoadWorker::open_more(Clock::time_point now) {
  while (next_untried_ < conns_.size() && connecting_ < kConnectsInFlight && !draining_ && connect_pace_.allows(now))
    open_connection(conns_[next_untried_++], now);
}

void LoadWorker::open_connection(Conn& c, Clock::time_point now) {
  connect_pace_.started();
  c.fd = start_connect(*plan_.target);
  if (c.fd < 0) {
    fail(c, error_kind_of(errno), errno);
    return;
  }
  c.state = State::connecting;
  ++connecting_;
  c.since = now;
  c.want_write = true;
  watch(c, true);
}

void LoadWorker::on_connected(Conn& c, Clock::time_point now) {
  if (const int err = socket_error(c.fd); err != 0) {
    fail(c, error_kind_of(err), err);
    return;
  }
  --connecting_;
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
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c.state == State::draining) {
    close_conn(c, State::closed);
  } else if (n == 0) {
    fail(c, ErrorKind::early_close, 0);  // the server hung up while we still wanted answers
  } else {
    fail(c, error_kind_of(errno), errno);
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

// Queues every line the pacing released to c that its pipeline has room for.
void LoadWorker::fill(Conn& c, Clock::time_point now) {
  if (draining_ || !started_) return;  // before start(), connections are only held
  while (c.sent - c.answered < pipeline_ && pacing_allows(c)) {
    if (c.sent == c.answered) c.last_progress = now;
    c.origin[c.sent % pipeline_] = origin_of_next(c, now);
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
  if (c.state == State::connecting) --connecting_;
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
  ev.data.u64 = index_of(c);
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
}

}  // namespace echo::bench
