#include "stop_signal.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace echo {
namespace {
int g_stop_fd = -1;
volatile sig_atomic_t g_stopped = 0;

void on_stop_signal(int) { request_stop(); }
}  // namespace

void request_stop() {
  const int saved_errno = errno;
  g_stopped = 1;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(g_stop_fd, &one, sizeof one);
  errno = saved_errno;
}

void install_stop_handlers() {
  g_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_stop_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A peer that leaves without reading must cost an EPIPE, not the process.
  signal(SIGPIPE, SIG_IGN);
}

int stop_fd() { return g_stop_fd; }
bool stop_requested() { return g_stopped != 0; }

}  // namespace echo
