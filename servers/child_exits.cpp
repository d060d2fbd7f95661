#include "child_exits.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace echo {
namespace {

int g_exit_fd = -1;                        // SIGCHLD makes it readable
volatile sig_atomic_t g_child_exited = 0;  // set with it, so reaping costs nothing otherwise

void on_sigchld(int) {
  const int saved_errno = errno;
  g_child_exited = 1;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(g_exit_fd, &one, sizeof one);
  errno = saved_errno;
}

void set_sigchld(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
}

}  // namespace

ChildExits::ChildExits() {
  g_exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_exit_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  set_sigchld(on_sigchld);
}

ChildExits::~ChildExits() {
  set_sigchld(SIG_DFL);
  if (g_exit_fd >= 0) close(g_exit_fd);
  g_exit_fd = -1;
}

int ChildExits::fd() const { return g_exit_fd; }

void ChildExits::reap(const std::function<void(pid_t, int)>& on_exit) {
  if (!g_child_exited) return;
  g_child_exited = 0;  // before waitpid(): a child exiting meanwhile sets it again
  std::uint64_t ignored = 0;
  [[maybe_unused]] auto n = read(g_exit_fd, &ignored, sizeof ignored);
  int status = 0;
  for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) on_exit(pid, status);
}

bool ChildExits::reap_until(const std::function<bool()>& all_gone, std::chrono::steady_clock::time_point deadline,
                            const std::function<void(pid_t, int)>& on_exit) {
  while (!all_gone() && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{g_exit_fd, POLLIN, 0};
    poll(&pfd, 1, 50);
    reap(on_exit);
  }
  return all_gone();
}

void ChildExits::forget_in_child() {
  set_sigchld(SIG_DFL);
  close(g_exit_fd);
  g_exit_fd = -1;
}

}  // namespace echo
