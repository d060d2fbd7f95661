#include "blocking_accept.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <spdlog/spdlog.h>

#include "stop_signal.hpp"

namespace echo {

namespace {
// Out of descriptors, the loop turns a connection away every few milliseconds: say so once a second.
void warn_at_most_every_second(const char* what, int err) {
  using Clock = std::chrono::steady_clock;
  static Clock::time_point last;
  if (Clock::now() - last < std::chrono::seconds(1)) return;
  last = Clock::now();
  spdlog::warn("accept: {}; {}", std::strerror(err), what);
}
}  // namespace

int accept_next(int listen_fd, SpareFd& spare, Counters& counters, int wake_fd) {
  for (;;) {
    if (stop_requested()) return kAcceptStopped;
    // Under load a client is nearly always waiting: accept first, and sleep in poll() only when
    // nobody is (one syscall per connection instead of two).
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return fd;  // blocking: Linux's accept4() does not pass O_NONBLOCK on
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd fds[3] = {{stop_fd(), POLLIN, 0}, {listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      if (poll(fds, wake_fd >= 0 ? 3 : 2, -1) < 0) continue;  // EINTR: a signal, look again
      if (fds[0].revents) return kAcceptStopped;
      if (wake_fd >= 0 && fds[2].revents) return kAcceptWoken;
      continue;
    }
    if (errno == EMFILE || errno == ENFILE) {
      // Without this the listening socket stays readable and poll() spins at 100% CPU.
      const int err = errno;
      if (spare.shed_one(listen_fd)) counters.rejected.fetch_add(1, std::memory_order_relaxed);
      warn_at_most_every_second("turning connections away", err);
      poll(nullptr, 0, 10);  // and let the descriptors of finishing sessions come back
    } else if (is_resource_exhaustion(errno)) {
      warn_at_most_every_second("backing off", errno);
      poll(nullptr, 0, 100);
    }
    // EINTR, ECONNABORTED (peer gave up in the backlog): just look again.
  }
}

}  // namespace echo
