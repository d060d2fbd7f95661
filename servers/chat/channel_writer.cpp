#include "channel_writer.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace echo::chat {

asio::awaitable<std::error_code> write_queued(asio::local::stream_protocol::socket& channel, std::string& queued,
                                              asio::steady_timer& ready, const bool& gone) {
  constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);
  std::string writing;
  while (!gone) {
    if (queued.empty()) {
      ready.expires_at(std::chrono::steady_clock::time_point::max());
      co_await ready.async_wait(use_nothrow);
      continue;
    }
    writing.swap(queued);
    const auto [error, n] = co_await asio::async_write(channel, asio::buffer(writing), use_nothrow);
    writing.clear();
    if (error) co_return error;
  }
  co_return std::error_code{};
}

}  // namespace echo::chat
