#include "blocking_accept.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

#include "stop_signal.hpp"

namespace echo {

int accept_next(int listen_fd, SpareFd& spare, Counters& counters, int wake_fd) {
  for (;;) {
    pollfd fds[3] = {{stop_fd(), POLLIN, 0}, {listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (poll(fds, wake_fd >= 0 ? 3 : 2, -1) < 0) continue;  // EINTR: a signal, look again
    if (fds[0].revents) return kAcceptStopped;
    if (wake_fd >= 0 && fds[2].revents) return kAcceptWoken;
    if (!fds[1].revents) continue;

    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == EMFILE || errno == ENFILE) {
      // Without this the listening socket stays readable and poll() spins at 100% CPU.
      if (spare.shed_one(listen_fd)) counters.rejected.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("out of file descriptors ({}): turned a connection away", std::strerror(errno));
      poll(nullptr, 0, 10);  // and let the descriptors of finishing sessions come back
    } else if (is_resource_exhaustion(errno)) {
      spdlog::warn("accept: {}; backing off", std::strerror(errno));
      poll(nullptr, 0, 100);
    }
    // EINTR, ECONNABORTED (peer gave up in the backlog), EAGAIN: just look again.
  }
}

}  // namespace echo
