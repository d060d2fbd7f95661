#pragma once
// A backend is one way of moving bytes between sockets and the protocol core, and of deciding
// who waits while nothing arrives. Each one runs until stop is requested, drains, and returns.

#include <cstddef>
#include <span>
#include <string_view>

#include "counters.hpp"
#include "net.hpp"
#include "server_config.hpp"

namespace echo {

// `config.max_connections` is already resolved (never 0); `listener` is bound and listening.
using BackendRun = void (*)(const ServerConfig& config, const Listener& listener, Counters& counters);

// Which process holds a connection's socket: what the open-file limit of one process bounds.
enum class SocketsHeldBy {
  this_process,  // thread, pool, coro
  its_child,     // fork: the parent hands each one to the child it forks
  the_workers,   // hybrid: dealt out over --workers processes
};

struct Backend {
  std::string_view name;
  BackendRun run;
  std::size_t default_max_connections;  // protects the machine: a process or thread each costs
  SocketsHeldBy sockets_held_by;
  std::string_view description;
};

// Descriptors the busiest process of the server holds at --max-connections (config resolved):
// none for a fork parent, except the chat hub's channel to each child.
std::size_t descriptors_per_process(const Backend& backend, const ServerConfig& config);

std::span<const Backend> backends();
const Backend* find_backend(std::string_view name);

// The backends, one file each.
void run_fork_backend(const ServerConfig&, const Listener&, Counters&);
void run_thread_backend(const ServerConfig&, const Listener&, Counters&);
void run_pool_backend(const ServerConfig&, const Listener&, Counters&);
void run_coro_backend(const ServerConfig&, const Listener&, Counters&);
void run_hybrid_backend(const ServerConfig&, const Listener&, Counters&);

}  // namespace echo
