#include "churn_worker.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace echo::bench {

ChurnWorker::ChurnWorker(const WorkerPlan& plan, WorkerStats& stats, RunControl& control)
    : plan_(plan),
      stats_(stats),
      control_(control),
      timeout_(to_duration(plan.options->timeout_s)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      budget_(plan.requests),
      buf_(kReadBuffer) {
  slots_.reserve(plan.connections);
  for (std::size_t i = 0; i < plan.connections; ++i) {
    Slot& s = slots_.emplace_back(*plan.payload);
    s.out.reserve(plan.payload->size());
  }
}

ChurnWorker::~ChurnWorker() {
  for (Slot& s : slots_)
    if (s.fd >= 0) close(s.fd);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void ChurnWorker::run() {
  auto now = Clock::now();
  for (Slot& s : slots_) start(s, now);
  control_.connected.fetch_add(1);  // churn has no first round to wait for

  std::vector<epoll_event> events(256);
  Clock::time_point deadline = Clock::time_point::max();
  while (true) {
    now = Clock::now();
    if (!stopping_ && control_.stop.load(std::memory_order_relaxed)) {
      stopping_ = true;
      deadline = now + std::min<Clock::duration>(timeout_, kDrainLimit);
    }
    const bool all_done = std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.state == State::done; });
    if (all_done || now >= deadline) break;
    for (Slot& s : slots_) {
      if (s.state == State::idle && (stopping_ || now >= s.since)) {
        start(s, now);
      } else if (s.state != State::idle && s.state != State::done && now - s.since > timeout_) {
        fail(s, ErrorKind::timeout, ETIMEDOUT);
      }
    }
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), static_cast<int>(kTick.count()));
    now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      on_event(slots_[ev.data.u64], ev.events, now);
    }
  }
}

void ChurnWorker::start(Slot& s, Clock::time_point now) {
  if (stopping_ || !budget_.take()) {
    close_slot(s, State::done, now);
    return;
  }
  s.fd = start_connect(*plan_.target);
  if (s.fd < 0) {
    fail(s, error_kind_of(errno), errno);
    return;
  }
  s.state = State::connecting;
  s.since = now;
  s.answered = false;
  s.seq = next_seq_++;
  s.checker = ReplyChecker(*plan_.payload);
  watch(s, EPOLLOUT, EPOLL_CTL_ADD);
}

void ChurnWorker::on_event(Slot& s, std::uint32_t events, Clock::time_point now) {
  switch (s.state) {
    case State::connecting:
      if (const int err = socket_error(s.fd); err != 0) {
        fail(s, error_kind_of(err), err);
        return;
      }
      stats_.connects.add();
      if (control_.measuring.load(std::memory_order_relaxed)) stats_.connect_latency.record(ns_between(s.since, now));
      s.out.clear();
      plan_.payload->append_request(s.seq, s.out);
      s.out_done = 0;
      s.state = State::sending;
      s.since = s.sent_at = now;
      send_request(s, now);
      break;
    case State::sending:
      if (events & (EPOLLERR | EPOLLHUP)) {
        fail(s, ErrorKind::reset, socket_error(s.fd));
        return;
      }
      send_request(s, now);
      break;
    case State::reading:
      read_reply(s, now);
      break;
    default:
      break;
  }
}

void ChurnWorker::send_request(Slot& s, Clock::time_point now) {
  while (s.out_done < s.out.size()) {
    const ssize_t n = send(s.fd, s.out.data() + s.out_done, s.out.size() - s.out_done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        watch(s, EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      fail(s, error_kind_of(errno), errno);
      return;
    }
    s.out_done += static_cast<std::size_t>(n);
  }
  if (control_.measuring.load(std::memory_order_relaxed)) stats_.bytes_out.add(s.out.size());
  shutdown(s.fd, SHUT_WR);  // one line and our end of input: the server answers, then closes
  s.state = State::reading;
  s.since = now;
  watch(s, EPOLLIN, EPOLL_CTL_MOD);
}

void ChurnWorker::read_reply(Slot& s, Clock::time_point now) {
  const ssize_t n = recv(s.fd, buf_.data(), buf_.size(), 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(s, error_kind_of(errno), errno);
    return;
  }
  if (n == 0) {
    if (!s.answered) {
      fail(s, ErrorKind::early_close, 0);
    } else {
      finish(s, now);
    }
    return;
  }
  s.since = now;
  const bool measuring = control_.measuring.load(std::memory_order_relaxed);
  if (measuring) stats_.bytes_in.add(static_cast<std::uint64_t>(n));
  std::string_view data(buf_.data(), static_cast<std::size_t>(n));
  if (s.answered) {
    fail(s, ErrorKind::mismatch, 0);  // more than one reply to one line
    return;
  }
  const auto step = s.checker.feed(s.seq, data);
  if (!step.complete) return;
  s.answered = true;
  if (!step.correct || step.consumed != data.size()) {
    if (stats_.mismatch_sample.empty()) stats_.mismatch_sample = s.checker.sample_mismatch();
    fail(s, ErrorKind::mismatch, 0);
    return;
  }
  stats_.requests_total.add();
  if (measuring) {
    stats_.requests.add();
    stats_.latency.record(ns_between(s.sent_at, now));
  }
}

void ChurnWorker::finish(Slot& s, Clock::time_point now) {
  close_slot(s, State::idle, now);
  if (s.state == State::idle) start(s, now);  // the next connection at once: that is the load
}

void ChurnWorker::fail(Slot& s, ErrorKind kind, int err) {
  stats_.error(kind, err);
  close_slot(s, State::idle, Clock::now() + kRetryDelay);
}

void ChurnWorker::close_slot(Slot& s, State next, Clock::time_point retry_at) {
  if (s.fd >= 0) close(s.fd);
  s.fd = -1;
  s.state = stopping_ ? State::done : next;
  s.since = retry_at;
}

void ChurnWorker::watch(Slot& s, std::uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = static_cast<std::uint64_t>(&s - slots_.data());
  epoll_ctl(epoll_fd_, op, s.fd, &ev);
}

}  // namespace echo::bench
