#pragma once
// The event-loop server shared by `coro` (one thread) and `pool` (N threads): one
// asio::io_context per thread, an accept loop that deals new connections to the loops in turn,
// and one C++20 coroutine per connection. Nobody waits per connection: each thread waits in its
// own epoll for whichever of its connections is ready.

#include "counters.hpp"
#include "net.hpp"
#include "server_config.hpp"

namespace echo {

// --chat with hub_fd >= 0 (a hybrid worker): the rooms are in the hub at the other end of that
// socket (servers/chat/hub.hpp); otherwise in this process.
void run_async_server(const ServerConfig& config, const Listener& listener, Counters& counters, unsigned threads,
                      int hub_fd = -1);

}  // namespace echo
