// coro: one thread, one event loop (asio::io_context over epoll), one C++20 coroutine per
// connection. Who waits: nobody per connection; a waiting connection is a suspended coroutine
// frame of a few hundred bytes plus its buffers. Cheap to hold thousands of connections, but
// one core at most, and one slow step delays every connection.

#include "async_server.hpp"
#include "backend.hpp"

namespace echo {

void run_coro_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  run_async_server(config, listener, counters, 1);
}

}  // namespace echo
