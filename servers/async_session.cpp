#include "async_session.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <array>
#include <memory>
#include <string>

#include "framer.hpp"
#include "session_limits.hpp"

namespace echo {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
template <typename T>
using Awaitable = asio::awaitable<T, LoopExecutor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, LoopExecutor>;
// Errors as values: a closed connection is normal, and an exception per close is expensive.
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable_t<LoopExecutor>{});

// What the session shares with its idle watchdog, which may outlive it by a moment.
struct IdleWatch {
  explicit IdleWatch(LoopSocket& s) : socket(s), timer(s.get_executor()) {}
  LoopSocket& socket;
  Timer timer;
  Clock::time_point deadline;
  bool expired = false;
  bool session_over = false;
};

// asio's timeout_watchdog pattern: the session only moves `deadline` (no timer operation per
// read); the timer wakes at most once per idle period, and cancels the socket's pending I/O
// when the deadline has really passed.
Awaitable<void> watch_idle(std::shared_ptr<IdleWatch> watch) {
  while (!watch->session_over) {
    watch->timer.expires_at(watch->deadline);
    co_await watch->timer.async_wait(use_nothrow);
    if (watch->session_over) co_return;
    if (Clock::now() >= watch->deadline) {
      watch->expired = true;
      watch->socket.cancel();
      co_return;
    }
  }
}

// A loop runs one session step at a time, so one read buffer and one reply buffer per thread
// (= per loop) serve all its sessions: an idle session holds no buffer at all (it used to hold
// 16 KiB in its frame, and the pages it touched stayed resident).
struct LoopBuffers {
  std::array<char, kReadSize> in;
  std::string out;
};
LoopBuffers& loop_buffers() {
  thread_local auto buffers = std::make_unique<LoopBuffers>();  // heap: TLS blocks stay small
  return *buffers;
}

}  // namespace

// After an ERR: FIN, then discard input for a moment (see session_limits.hpp).
Awaitable<void> linger_before_close(LoopSocket& socket) {
  using namespace asio::experimental::awaitable_operators;
  asio::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  Timer give_up(socket.get_executor(), kLingerTime);
  std::array<char, kReadSize> sink;
  for (int i = 0; i < kLingerReads; ++i) {
    auto result = co_await (socket.async_read_some(asio::buffer(sink), use_nothrow) || give_up.async_wait(use_nothrow));
    if (result.index() == 1 || std::get<0>(std::get<0>(result))) break;
  }
}

// Writes at once if the socket has room (it nearly always does), and only awaits for the rest:
// a completed async_write would cost another trip around the event loop.
Awaitable<bool> write_all(LoopSocket& socket, std::string_view bytes) {
  asio::error_code error;
  const std::size_t written = socket.write_some(asio::buffer(bytes), error);
  if (error && error != asio::error::would_block) co_return false;
  if (written == bytes.size()) co_return true;
  // Copied before suspending: `bytes` may be the loop's reply buffer, which other sessions use
  // while this one waits for room; the copy lives only until it is written.
  const std::string rest(bytes.substr(written));
  const auto [write_error, ignored] = co_await asio::async_write(socket, asio::buffer(rest), use_nothrow);
  co_return !write_error;
}

namespace {

// The next bytes into the loop's buffer. Waits for readability first, holding no buffer, unless
// the last read filled the buffer (then more is likely there already and a wait would cost a
// trip around the loop). Returns the error of the read, or of the wait (cancelled: idle timeout).
Awaitable<std::pair<asio::error_code, std::size_t>> read_next(LoopSocket& socket, bool expect_more) {
  for (;;) {
    if (!expect_more) {
      const auto [wait_error] = co_await socket.async_wait(tcp::socket::wait_read, use_nothrow);
      if (wait_error) co_return std::pair{wait_error, std::size_t{0}};
    }
    asio::error_code error;
    const std::size_t n = socket.read_some(asio::buffer(loop_buffers().in), error);
    if (error != asio::error::would_block) co_return std::pair{error, n};
    expect_more = false;  // readable but nothing there (spurious wake-up): wait again
  }
}

}  // namespace

asio::awaitable<void, LoopExecutor> serve_async(LoopSocket socket, SessionContext& context) {
  const ServerConfig& config = context.config;
  const int fd = socket.native_handle();
  struct LeaveRegistry {  // also when something throws
    ConnectionRegistry& live;
    int fd;
    ~LeaveRegistry() { live.remove(fd); }
  } leave{context.live, fd};

  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);  // write_some() below must never block the loop
  std::shared_ptr<IdleWatch> watch;
  if (config.idle_timeout.count() > 0) {
    watch = std::make_shared<IdleWatch>(socket);
    watch->deadline = Clock::now() + config.idle_timeout;
    asio::co_spawn(socket.get_executor(), watch_idle(watch), asio::detached);
  }

  Framer framer(config.framing, config.transform, config.max_line);
  bool linger = false;
  bool expect_more = false;
  for (;;) {
    const auto [read_error, n] = co_await read_next(socket, expect_more);
    // Borrowed for this step only: nothing below suspends before the replies are written or copied.
    LoopBuffers& loop = loop_buffers();
    std::string& out = loop.out;
    out.clear();
    if (!read_error) {
      expect_more = n == loop.in.size();
      if (watch) watch->deadline = Clock::now() + config.idle_timeout;
      const auto lines = framer.feed({loop.in.data(), n}, out);
      context.counters.add_traffic(lines, n, out.size());
      // One write per burst of replies; this is where a client that does not read holds us
      // back: we read nothing more from it until its replies are written (backpressure).
      if (!co_await write_all(socket, out)) break;
      if (!framer.done()) continue;
      linger = true;  // line too long
      break;
    }
    if (read_error == asio::error::eof) {  // end of input, or a stop request (SHUT_RD)
      const auto lines = framer.finish(out);  // before out.size(): argument order is unspecified
      context.counters.add_traffic(lines, 0, out.size());
      co_await write_all(socket, out);
      break;
    }
    if (watch && watch->expired) {
      context.counters.add_traffic(0, 0, kErrIdleTimeout.size());
      co_await write_all(socket, kErrIdleTimeout);
      linger = true;
    }
    break;  // reset, or cut at the end of a stop
  }
  if (watch) {
    watch->session_over = true;
    watch->timer.cancel();
  }
  if (linger) co_await linger_before_close(socket);
}

}  // namespace echo
