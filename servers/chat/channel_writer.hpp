#pragma once
// What both ends of a worker<->hub channel share (hub.cpp in the parent; remote_link.cpp in a
// fork child or a hybrid worker): how much one read takes, and the writer that drains a queue.

#include <asio/awaitable.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <cstddef>
#include <string>
#include <system_error>

namespace echo::chat {

inline constexpr std::size_t kChannelRead = 65536;

// Writes `queued` to `channel` whenever it holds bytes, until `gone` or a write fails. Whoever
// appends to an empty queue cancels `ready` to wake it. Returns the failed write's error, or no
// error once `gone`. The caller keeps the four alive (they live in the object it holds).
// Await it as a statement, `const auto error = co_await write_queued(...);`: written inside an
// `if (...)` condition, GCC 12's code crashed on the first write (the channel it saw was garbage).
asio::awaitable<std::error_code> write_queued(asio::local::stream_protocol::socket& channel, std::string& queued,
                                              asio::steady_timer& ready, const bool& gone);

}  // namespace echo::chat
