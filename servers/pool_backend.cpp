// pool: a fixed pool of --workers threads serving every connection (asio's "one io_context,
// many threads"). Who waits: the workers, together, in epoll; a ready connection's next step
// runs on whichever worker is free, never held by one worker for the connection's whole life,
// so idle connections cost no thread. Uses every core; pays for it in locking and strands.

#include <thread>

#include "async_server.hpp"
#include "backend.hpp"

namespace echo {

void run_pool_backend(const ServerConfig& config, const Listener& listener, Counters& counters) {
  const unsigned workers = config.workers > 0 ? config.workers : std::max(1u, std::thread::hardware_concurrency());
  run_async_server(config, listener, counters, workers);
}

}  // namespace echo
