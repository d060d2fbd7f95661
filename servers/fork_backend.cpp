// fork: one process per connection, made with fork().
// Who waits: each connection's own process, asleep in recv() or send(); the parent only accepts
// and reaps. Full isolation (a crash takes one connection down), paid for with a fork() per
// connection and a whole process (page tables, a kernel task) per client.

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <spdlog/spdlog.h>
#include <unordered_set>

#include "admission.hpp"
#include "backend.hpp"
#include "blocking_accept.hpp"
#include "blocking_session.hpp"
#include "child_exits.hpp"
#include "fork_chat_child.hpp"
#include "hub.hpp"
#include "stop_signal.hpp"

namespace echo {
namespace {

int g_connection_fd = -1;  // child: its one connection, for its signal handlers
unsigned g_drain_seconds = 2;

// Child, on SIGINT/SIGTERM: end of input now (answer what was read), and cut it if the peer
// does not take its replies within the drain time.
void on_child_stop(int) {
  shutdown(g_connection_fd, SHUT_RD);
  alarm(g_drain_seconds);
}
void on_child_alarm(int) { shutdown(g_connection_fd, SHUT_RDWR); }

void set_handler(int sig, void (*handler)(int), int flags = SA_RESTART) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  sigaction(sig, &sa, nullptr);
}

// --chat: `channel` is {this child's end, the hub's end} of its socketpair to the hub.
[[noreturn]] void run_child(int fd, const Listener& listener, ChildExits& exits, const ServerConfig& config,
                            Counters& counters, std::pair<int, int> channel) {
  close(listener.fd);
  exits.forget_in_child();
  if (config.chat) chat::close_inherited_fds({fd, channel.first, stop_fd()});
  g_connection_fd = fd;
  g_drain_seconds = static_cast<unsigned>((config.drain_timeout.count() + 999) / 1000);
  // No SA_RESTART: recv() returns EINTR after the handler, and the session reads on into the
  // end of input. (Under TSan, whose recv() defers handlers, a restarted recv() never ends.)
  set_handler(SIGINT, on_child_stop, 0);
  set_handler(SIGTERM, on_child_stop, 0);
  set_handler(SIGALRM, on_child_alarm, 0);
  if (stop_requested()) on_child_stop(0);  // the stop arrived between fork() and here
  // The totals go to the shared counters.
  if (config.chat) chat::serve_chat_child(fd, listener.family, channel.first, config, counters);
  else serve_blocking(fd, config, counters);
  _exit(0);
}

}  // namespace

void run_fork_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  ChildExits exits;
  std::unordered_set<pid_t> children;
  // --chat: the rooms are decided in this process, by a hub thread every child talks to. It
  // holds a descriptor per child, so fork chat is bounded by the descriptor limit too.
  std::unique_ptr<chat::Hub> hub;
  if (config.chat) hub = std::make_unique<chat::Hub>(config.transform, counters);
  // The parent gives a connection's place back once its child is gone, however it ended (a
  // SIGKILLed child releases nothing itself).
  const auto on_exit = [&](pid_t pid, int) {
    if (children.erase(pid) > 0) counters.release();
  };

  SpareFd spare;
  set_nonblocking(listener.fd, true);  // accept_next() sleeps in poll(), never in accept()
  for (;;) {
    const int fd = accept_next(listener.fd, spare, counters, exits.fd());
    if (fd == kAcceptStopped) break;
    exits.reap(on_exit);  // no zombies, and an honest count for --max-connections
    if (fd == kAcceptWoken) continue;
    if (!admit(fd, config.max_connections, counters)) continue;
    std::pair<int, int> channel{-1, -1};
    if (hub) {
      try {
        channel = chat::Hub::make_channel();
      } catch (const std::exception& e) {
        spdlog::warn("{}", e.what());
        turn_back(fd, counters);
        continue;
      }
    }
    if (hub) hub->pause_for_fork();
    const pid_t pid = fork();
    if (pid == 0) run_child(fd, listener, exits, config, counters, channel);
    if (hub) {
      hub->resume_after_fork();
      close(channel.first);
      if (pid > 0) hub->adopt(channel.second);
      else close(channel.second);
    }
    if (pid < 0) {
      spdlog::warn("fork: {}", std::strerror(errno));
      turn_back(fd, counters);
      continue;
    }
    close(fd);  // the child has its own copy
    children.insert(pid);
  }

  close(listener.fd);
  // Children usually got the signal too (Ctrl-C reaches the whole process group); make sure.
  for (const pid_t pid : children) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + config.drain_timeout + std::chrono::seconds(1);
  if (!exits.reap_until([&] { return children.empty(); }, deadline, on_exit))
    spdlog::warn("{} children did not finish in time; killing them", children.size());
  for (const pid_t pid : children) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    counters.release();
  }
}

}  // namespace echo
