#include "blocking_accept.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "accept_failure.hpp"
#include "stop_signal.hpp"

namespace echo {

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
    const auto wait = on_accept_failure(errno, listen_fd, spare, counters);
    if (wait.count() > 0) poll(nullptr, 0, static_cast<int>(wait.count()));
  }
}

}  // namespace echo
