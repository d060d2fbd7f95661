#include "accept_failure.hpp"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

namespace echo {
namespace {

// Out of descriptors, a loop turns a client away every few milliseconds: say so once a second.
// (Each process has one accept loop, so one clock suffices.)
void warn_at_most_every_second(int err, const char* what) {
  using Clock = std::chrono::steady_clock;
  static Clock::time_point last;
  if (Clock::now() - last < std::chrono::seconds(1)) return;
  last = Clock::now();
  spdlog::warn("accept: {}; {}", std::strerror(err), what);
}

}  // namespace

std::chrono::milliseconds on_accept_failure(int err, int listen_fd, SpareFd& spare, Counters& counters) {
  using std::chrono::milliseconds;
  if (err == EMFILE || err == ENFILE) {
    if (spare.shed_one(listen_fd)) counters.reject();
    warn_at_most_every_second(err, "turning connections away");
    return milliseconds(10);  // and let the descriptors of finishing sessions come back
  }
  if (is_resource_exhaustion(err)) {
    warn_at_most_every_second(err, "backing off");
    return milliseconds(100);
  }
  if (err != EINTR && err != ECONNABORTED && err != EAGAIN && err != EWOULDBLOCK)
    warn_at_most_every_second(err, "retrying");
  return milliseconds(0);
}

}  // namespace echo
