#pragma once
// One chat connection of the event-loop backends (coro, pool, hybrid, and fork's child): a
// reader coroutine hands the lines it reads to the ChatLink; a writer coroutine drains the
// member's outbox, which others fill.

#include <asio/awaitable.hpp>

#include "async_session.hpp"

namespace echo::chat {

// Serves `socket` (already in context.live) to its end; context.chat must be set.
asio::awaitable<void, LoopExecutor> serve_chat_async(LoopSocket socket, SessionContext& context);

}  // namespace echo::chat
