#include "idle_crowd.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <unordered_map>

#include "stop_signal.hpp"

namespace echo::bench {
namespace {

int ms_until(Clock::time_point t) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 20));  // short: Ctrl-C is noticed at once
}

}  // namespace

IdleCrowd::IdleCrowd(const Target& target, const Payload& payload, Clock::duration timeout, double connect_rate)
    : target_(target), payload_(payload), timeout_(timeout), pace_(connect_rate), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

IdleCrowd::~IdleCrowd() {
  for (const int fd : fds_) close(fd);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void IdleCrowd::error(ErrorKind kind, int err) {
  const auto k = static_cast<std::size_t>(kind);
  ++errors_[k];
  if (first_errno_[k] == 0) first_errno_[k] = err;
}

std::size_t IdleCrowd::open(std::size_t count) {
  asked_ += count;
  const auto start = Clock::now();
  std::unordered_map<int, Clock::time_point> pending;  // fd -> when its connect started
  std::vector<epoll_event> events(256);
  std::size_t started = 0;
  auto next_timeout_check = start;
  while ((started < count || !pending.empty()) && !echo::stop_requested()) {
    while (started < count && pending.size() < kConnectsInFlight && pace_.allows(Clock::now())) {
      ++started;
      pace_.started();
      const int fd = start_connect(target_);
      if (fd < 0) {
        error(error_kind_of(errno), errno);
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.fd = fd;
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
      pending.emplace(fd, Clock::now());
    }
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 20);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      pending.erase(fd);
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      if (const int err = socket_error(fd); err != 0) {
        error(error_kind_of(err), err);
        close(fd);
      } else {
        fds_.push_back(fd);
      }
    }
    if (const auto now = Clock::now(); now >= next_timeout_check) {
      next_timeout_check = now + kTick;
      for (auto it = pending.begin(); it != pending.end();) {
        if (now - it->second <= timeout_) {
          ++it;
          continue;
        }
        error(ErrorKind::timeout, ETIMEDOUT);
        close(it->first);
        it = pending.erase(it);
      }
    }
  }
  for (const auto& [fd, since] : pending) close(fd);  // stopped early
  open_s_ = std::chrono::duration<double>(Clock::now() - start).count();
  return fds_.size();
}

std::size_t IdleCrowd::check_alive() {
  // Every connection is asked at once; the replies are read as they come.
  std::string request;
  payload_.append_request(0, request);
  std::unordered_map<int, ReplyChecker> waiting;
  for (const int fd : fds_) {
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(request.size())) {
      error(errno == 0 || errno == EAGAIN ? ErrorKind::other : error_kind_of(errno), errno);
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    waiting.emplace(fd, ReplyChecker(payload_));
  }
  std::size_t alive = 0;
  std::vector<epoll_event> events(256);
  std::vector<char> buf(64 * 1024);
  const auto deadline = Clock::now() + timeout_;
  while (!waiting.empty() && Clock::now() < deadline && !echo::stop_requested()) {
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), ms_until(deadline));
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const auto it = waiting.find(fd);
      if (it == waiting.end()) continue;
      const ssize_t got = recv(fd, buf.data(), buf.size(), 0);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        error(got == 0 ? ErrorKind::early_close : error_kind_of(errno), got == 0 ? 0 : errno);
        waiting.erase(it);
        continue;
      }
      const auto step = it->second.feed(0, {buf.data(), static_cast<std::size_t>(got)});
      if (!step.complete) continue;
      if (step.correct && step.consumed == static_cast<std::size_t>(got)) {
        ++alive;
      } else {
        error(ErrorKind::mismatch, 0);
      }
      waiting.erase(it);
    }
  }
  for (std::size_t k = 0; k < waiting.size(); ++k) error(ErrorKind::timeout, ETIMEDOUT);
  return alive;
}

void IdleCrowd::finish(RunResult& r) {
  if (asked_ == 0) return;
  r.idle_asked += asked_;
  r.idle_established += established();
  r.idle_answered += check_alive();
  r.idle_open_s = std::max(r.idle_open_s, open_s_);
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    r.errors_by_kind[k] += errors_[k];
    if (r.first_errno[k] == 0) r.first_errno[k] = first_errno_[k];
  }
}

}  // namespace echo::bench
