#pragma once
// One connection of the event-loop backends, as a coroutine: the blocking session's loop, with
// co_await where the blocking backends sleep.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "connection_registry.hpp"
#include "counters.hpp"
#include "server_config.hpp"

namespace echo {

struct SessionContext {
  const ServerConfig& config;
  Counters& counters;
  ConnectionRegistry& live;  // the session leaves it just before closing its socket
};

// Serves `socket` (already in `live`) to its end. Runs on the socket's executor.
asio::awaitable<void> serve_async(asio::ip::tcp::socket socket, SessionContext& context);

}  // namespace echo
