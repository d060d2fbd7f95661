#pragma once
// One connection of the event-loop backends, as a coroutine: the blocking session's loop, with
// co_await where the blocking backends sleep.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "connection_registry.hpp"
#include "counters.hpp"
#include "server_config.hpp"

namespace echo {

namespace chat {
class ChatLink;
}

struct SessionContext {
  const ServerConfig& config;
  Counters& counters;
  ConnectionRegistry& live;  // the session leaves it just before closing its socket
  chat::ChatLink* chat = nullptr;  // --chat: where the room logic is (servers/chat/)
};

// Sessions use their loop's concrete executor rather than the type-erased any_io_executor: no
// indirection on every operation (callgrind: see docs/PERFORMANCE.md).
using LoopExecutor = asio::io_context::executor_type;
using LoopSocket = asio::basic_stream_socket<asio::ip::tcp, LoopExecutor>;

// Serves `socket` (already in `live`) to its end. Runs on the socket's executor.
asio::awaitable<void, LoopExecutor> serve_async(LoopSocket socket, SessionContext& context);

// Shared with the chat session (servers/chat/async_chat_session.cpp).
// Writes at once if the socket has room, awaiting only for the rest; false on error.
asio::awaitable<bool, LoopExecutor> write_all(LoopSocket& socket, std::string_view bytes);
// After an ERR: FIN, then discard input for a moment (see session_limits.hpp), so the ERR is read.
asio::awaitable<void, LoopExecutor> linger_before_close(LoopSocket& socket);

}  // namespace echo
