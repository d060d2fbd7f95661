#pragma once
// The event-loop server shared by `coro` (one thread) and `pool` (N threads): one
// asio::io_context, an accept loop, and one C++20 coroutine per connection. Nobody waits per
// connection: the threads wait together in epoll, and whichever is free runs the next step of
// whichever connection is ready.

#include "counters.hpp"
#include "net.hpp"
#include "server_config.hpp"

namespace echo {

// With threads > 1 each connection gets a strand, so its steps never run on two threads at once.
void run_async_server(const ServerConfig& config, const Listener& listener, Counters& counters, unsigned threads);

}  // namespace echo
