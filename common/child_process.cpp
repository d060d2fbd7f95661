#include "child_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "child_spawn.hpp"

namespace echo {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// After it exits, what it wrote is still in the pipes; a grandchild that kept them open must
// not make us wait for ever.
constexpr auto kLastWords = 200ms;

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

bool ChildExit::exited() const { return WIFEXITED(status); }

int ChildExit::code() const {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ChildExit::describe() const {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

double ChildExit::user_s() const { return seconds(usage.ru_utime); }
double ChildExit::system_s() const { return seconds(usage.ru_stime); }

std::optional<ListenAddress> parse_ready_line(std::string_view line) {
  constexpr std::string_view prefix = "listening on ";
  const auto colon = line.rfind(':');
  if (line.substr(0, prefix.size()) != prefix || colon == std::string_view::npos || colon < prefix.size())
    return std::nullopt;
  ListenAddress address;
  std::string_view host = line.substr(prefix.size(), colon - prefix.size());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return std::nullopt;
  address.host = host;
  const std::string_view port = line.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty()) return std::nullopt;
  return address;
}

ChildProcess::ChildProcess(const ChildOptions& options) : own_group_(options.own_group), input_(options.input) {
  const SpawnedChild child = spawn_child(options);
  pid_ = child.pid;
  in_fd_ = child.in;
  out_fd_ = child.out;
  err_fd_ = child.err;
  if (input_.empty()) close_fd(in_fd_);
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill_now();
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  for (int* fd : {&in_fd_, &out_fd_, &err_fd_}) close_fd(*fd);
}

void ChildProcess::pump(std::chrono::milliseconds wait) {
  pollfd fds[3] = {{in_fd_, POLLOUT, 0}, {out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  const int ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(wait.count(), 0));
  if (in_fd_ < 0 && out_fd_ < 0 && err_fd_ < 0) {
    poll(nullptr, 0, ms);
    return;
  }
  if (poll(fds, 3, ms) <= 0) return;
  if (in_fd_ >= 0 && fds[0].revents != 0) {
    const ssize_t n = write(in_fd_, input_.data() + input_done_, input_.size() - input_done_);
    if (n > 0) input_done_ += static_cast<std::size_t>(n);
    // All written, or it stopped reading (EPIPE): either way it gets end of input now.
    if (input_done_ == input_.size() || (n < 0 && errno != EAGAIN && errno != EINTR))
      close_fd(in_fd_);
  }
  char buf[65536];
  for (int i = 1; i < 3; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    int& fd = i == 1 ? out_fd_ : err_fd_;
    std::string& text = i == 1 ? out_ : err_;
    while (fd >= 0) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        text.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || errno != EAGAIN) close_fd(fd);  // end of file, or a broken pipe
      break;
    }
  }
}

void ChildProcess::close_stdout() { close_fd(out_fd_); }

ReadyLine ChildProcess::wait_ready_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  ReadyLine ready;
  while (true) {
    if (const auto lf = out_.find('\n'); lf != std::string::npos) {
      ready.text = out_.substr(0, lf);
      const auto address = parse_ready_line(ready.text);
      ready.status = address ? ReadyLine::Status::ready : ReadyLine::Status::other_line;
      if (address) ready.address = *address;
      return ready;
    }
    if (try_reap()) {
      ready.status = ReadyLine::Status::exited;
      return ready;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return ready;  // timed_out
    pump(std::min(left, std::chrono::milliseconds(50)));
  }
}

bool ChildProcess::try_reap() {
  if (exit_) return true;
  ChildExit result;
  const pid_t r = wait4(pid_, &result.status, WNOHANG, &result.usage);
  if (r == pid_) {
    exit_ = result;
  } else if (r < 0 && errno == ECHILD) {
    result.status = 255 << 8;  // someone else reaped it (SIGCHLD ignored): its status is lost
    exit_ = result;
  } else {
    return false;
  }
  close_fd(in_fd_);
  finish_reading();
  return true;
}

void ChildProcess::finish_reading() {
  const auto deadline = Clock::now() + kLastWords;
  while ((out_fd_ >= 0 || err_fd_ >= 0) && Clock::now() < deadline) pump(10ms);
}

std::optional<ChildExit> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!try_reap()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return std::nullopt;
    pump(std::min(left, std::chrono::milliseconds(10)));
  }
  return exit_;
}

void ChildProcess::kill_now() { kill(own_group_ ? -pid_ : pid_, SIGKILL); }

ChildExit ChildProcess::stop(int sig, std::chrono::milliseconds grace) {
  if (exit_) return *exit_;
  kill(own_group_ ? -pid_ : pid_, sig);
  if (wait_exit(grace)) {
    if (own_group_) kill(-pid_, SIGKILL);  // what it left behind (a shell's helper) goes too
    return *exit_;
  }
  kill_now();
  while (!wait_exit(1s)) {
  }
  exit_->killed = true;
  return *exit_;
}

}  // namespace echo
