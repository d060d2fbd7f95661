// pool: a fixed pool of --workers threads serving every connection, one event loop per thread
// (asio's "io_context per thread", muduo's "one loop per thread"). Who waits: each worker, in its
// own epoll, for whichever of its connections is ready; new connections are dealt to the workers
// in turn. No connection holds a worker, so idle connections cost no thread, and every core
// works. The price: a connection stays on its worker, so an unlucky mix can load one worker
// more than another. (One io_context shared by all workers balances better, but measured ~3
// futex calls and an epoll_ctl per request in cross-thread wake-ups: see docs/PERFORMANCE.md.)

#include <spdlog/spdlog.h>

#include "async_server.hpp"
#include "backend.hpp"

namespace echo {

void run_pool_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  spdlog::info("pool: {} workers, one event loop each", config.workers);
  run_async_server(config, listener, counters, config.workers);
}

}  // namespace echo
