#include "backend.hpp"

#include <algorithm>
#include <array>

namespace echo {
namespace {
// Adding a mode is one file and one entry here.
constexpr std::array kBackends{
    Backend{"fork", run_fork_backend, 256, SocketsHeldBy::its_child, "one process per connection, made with fork()"},
    Backend{"thread", run_thread_backend, 1024, SocketsHeldBy::this_process, "one thread per connection, blocking I/O"},
    Backend{"pool", run_pool_backend, 16384, SocketsHeldBy::this_process,
            "a fixed pool of --workers threads serving every connection"},
    Backend{"coro", run_coro_backend, 16384, SocketsHeldBy::this_process,
            "one thread, one event loop, one C++20 coroutine per connection"},
    Backend{"hybrid", run_hybrid_backend, 16384, SocketsHeldBy::the_workers,
            "--workers processes, each one event loop with a coroutine per connection"},
};
}  // namespace

std::span<const Backend> backends() { return kBackends; }

const Backend* find_backend(std::string_view name) {
  const auto it = std::find_if(kBackends.begin(), kBackends.end(), [&](const Backend& b) { return b.name == name; });
  return it == kBackends.end() ? nullptr : &*it;
}

std::size_t descriptors_per_process(const Backend& backend, const ServerConfig& config) {
  switch (backend.sockets_held_by) {
    case SocketsHeldBy::its_child: return config.chat ? config.max_connections : 0;
    case SocketsHeldBy::the_workers: return (config.max_connections + config.workers - 1) / config.workers;
    case SocketsHeldBy::this_process: break;
  }
  return config.max_connections;
}

}  // namespace echo
