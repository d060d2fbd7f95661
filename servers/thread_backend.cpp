// thread: one thread per connection, blocking I/O.
// Who waits: each connection's own thread, asleep in recv() or send(). Simple and fast for a
// few connections; each one costs a thread (a stack, a kernel task, context switches).

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <spdlog/spdlog.h>
#include <system_error>
#include <thread>

#include "admission.hpp"
#include "backend.hpp"
#include "blocking_accept.hpp"
#include "blocking_chat_session.hpp"
#include "blocking_session.hpp"
#include "connection_registry.hpp"
#include "local_hub.hpp"

namespace echo {

void run_thread_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  // Shared with the detached threads: a thread cut at the very end may outlive this function.
  // (`counters` lives in a mapping that is never unmapped.)
  const auto live = std::make_shared<ConnectionRegistry>();
  const auto shared_config = std::make_shared<const ServerConfig>(config);
  // --chat: the rooms behind one lock, which decides each room's order (servers/chat/).
  const auto hub = config.chat ? std::make_shared<chat::LocalHub>(config.transform, counters) : nullptr;
  SpareFd spare;
  set_nonblocking(listener.fd, true);  // accept_next() sleeps in poll(), never in accept()
  for (;;) {
    const int fd = accept_next(listener.fd, spare, counters);
    if (fd == kAcceptStopped) break;
    if (!admit(fd, config.max_connections, counters)) continue;
    live->add(fd);
    try {
      // Detached: the registry, not a join, tells us when every session is over.
      std::thread([fd, shared_config, &counters, live, hub] {
        if (hub) chat::serve_blocking_chat(fd, *shared_config, counters, *live, *hub);
        else serve_blocking(fd, *shared_config, counters, live.get());
        counters.release();
      }).detach();
    } catch (const std::system_error& e) {  // the kernel refused another thread
      spdlog::warn("cannot start a thread: {}", e.what());
      live->remove(fd);
      turn_back(fd, counters);
    }
  }
  close(listener.fd);
  // Stop: every session reads end of input, answers what it has, and closes.
  live->shutdown_all(SHUT_RD);
  if (!live->wait_empty(config.drain_timeout)) {
    spdlog::warn("{} connections still open after {} ms; cutting them", live->size(), config.drain_timeout.count());
    live->shutdown_all(SHUT_RDWR);
    live->wait_empty(std::chrono::seconds(2));
  }
}

}  // namespace echo
