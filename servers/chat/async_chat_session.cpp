#include "async_chat_session.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <array>
#include <memory>
#include <string>

#include "chat_link.hpp"
#include "line_framer.hpp"
#include "protocol.hpp"
#include "session_limits.hpp"

namespace echo::chat {
namespace {

using Clock = std::chrono::steady_clock;
template <typename T>
using Awaitable = asio::awaitable<T, LoopExecutor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, LoopExecutor>;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable_t<LoopExecutor>{});
constexpr std::chrono::milliseconds kCongestionPoll{2};

// A member as its two coroutines share it; the ChatLink holds it as an Outbox until it leaves.
class AsyncMember final : public Outbox, public std::enable_shared_from_this<AsyncMember> {
 public:
  AsyncMember(LoopSocket s, std::size_t max_backlog)
      : Outbox(max_backlog), socket(std::move(s)), output_ready(socket.get_executor()),
        writer_finished(socket.get_executor()), idle_timer(socket.get_executor()) {}

  LoopSocket socket;
  Timer output_ready;     // the writer sleeps on it; wake() cancels it
  Timer writer_finished;  // the reader, done, sleeps on it until the writer is done
  Timer idle_timer;
  Clock::time_point idle_deadline;
  bool reading = true;
  bool writer_done = false;
  bool idle_expired = false;

 private:
  // Timers belong to their loop: from another thread (pool), the wake is posted there.
  void wake() override {
    if (socket.get_executor().running_in_this_thread()) return on_wake();
    asio::post(socket.get_executor(), [self = shared_from_this()] { self->on_wake(); });
  }
  void on_wake() {
    output_ready.cancel();
    if (overflowed() && !writer_done) socket.cancel();  // it may be stuck writing to a peer that does not read
  }
};

// asio's timeout_watchdog: the reader only moves the deadline; this cancels the socket's I/O
// (a read, or a write stuck on a peer that does not read) once it has really passed.
Awaitable<void> watch_idle(std::shared_ptr<AsyncMember> m) {
  while (!m->writer_done || m->reading) {
    m->idle_timer.expires_at(m->idle_deadline);
    co_await m->idle_timer.async_wait(use_nothrow);
    if (m->writer_done && !m->reading) co_return;
    if (Clock::now() >= m->idle_deadline) {
      m->idle_expired = true;
      m->socket.cancel();
      co_return;
    }
  }
}

// Drains the outbox until the member's close, a cut-off, or a failed write.
Awaitable<void> write_member(std::shared_ptr<AsyncMember> m, Counters& counters) {
  Outbox::Batch batch;
  for (;;) {
    if (!m->take(batch)) {
      m->output_ready.expires_at(Clock::time_point::max());
      co_await m->output_ready.async_wait(use_nothrow);
      continue;
    }
    if (batch.overflowed) {  // a slow reader: cut it off, the room goes on
      counters.chat_slow_dropped.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (!batch.bytes.empty()) {
      if (!co_await write_all(m->socket, batch.bytes)) {
        if (m->overflowed()) counters.chat_slow_dropped.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      counters.add_traffic(0, 0, batch.bytes.size());
      counters.chat_delivered.fetch_add(batch.lines, std::memory_order_relaxed);
      batch.bytes.clear();
    }
    if (batch.close) break;
  }
  m->writer_done = true;
  if (m->reading) m->socket.cancel();  // /quit, a cut-off or a dead peer: stop reading too
  m->writer_finished.cancel();
}

}  // namespace

asio::awaitable<void, LoopExecutor> serve_chat_async(LoopSocket socket, SessionContext& context) {
  const ServerConfig& config = context.config;
  ChatLink& link = *context.chat;
  const int fd = socket.native_handle();
  bool registered = true;
  struct LeaveRegistry {  // if something throws; the normal path leaves before closing
    ConnectionRegistry& live;
    int fd;
    bool& registered;
    ~LeaveRegistry() {
      if (registered) live.remove(fd);
    }
  } leave_registry{context.live, fd, registered};

  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);  // write_all() must never block the loop
  const auto m = std::make_shared<AsyncMember>(std::move(socket), config.max_backlog);
  const MemberId id = context.counters.next_member_id();
  link.join(id, m);
  asio::co_spawn(m->socket.get_executor(), write_member(m, context.counters), asio::detached);
  if (config.idle_timeout.count() > 0) {
    m->idle_deadline = Clock::now() + config.idle_timeout;
    asio::co_spawn(m->socket.get_executor(), watch_idle(m), asio::detached);
  }

  // The framer finds the lines and enforces --max-line; `echo` leaves them as they are.
  LineFramer framer(Transform::echo, config.max_line);
  std::array<char, kReadSize> in;
  std::string lines;
  std::string_view last_line;  // an ERR for the member, after everything before it
  Timer pause(m->socket.get_executor());
  for (;;) {
    const auto [read_error, n] = co_await m->socket.async_read_some(asio::buffer(in), use_nothrow);
    if (m->writer_done) break;  // closed by the server (/quit, cut off): what follows is not read
    lines.clear();
    if (!read_error) {
      if (config.idle_timeout.count() > 0) m->idle_deadline = Clock::now() + config.idle_timeout;
      const std::size_t count = framer.feed({in.data(), n}, lines);
      const bool too_long = framer.done();
      if (too_long) lines.resize(lines.size() - kErrLineTooLong.size());  // said below, last
      context.counters.add_traffic(count, n, 0);
      if (count > 0) link.lines(id, lines);
      if (too_long) {
        last_line = kErrLineTooLong;
        break;
      }
      while (link.congested() && !m->writer_done) {  // the hub is behind: read nothing more
        pause.expires_after(kCongestionPoll);
        co_await pause.async_wait(use_nothrow);
      }
      continue;
    }
    if (read_error == asio::error::eof) {  // end of input, or a stop request (SHUT_RD)
      const std::size_t count = framer.finish(lines);
      context.counters.add_traffic(count, 0, 0);
      if (count > 0) link.lines(id, lines);
    } else if (m->idle_expired) {
      last_line = kErrIdleTimeout;
    }
    break;
  }
  const bool server_closed = m->writer_done;  // /quit: the peer may still be sending
  m->reading = false;
  link.leave(id, last_line);
  while (!m->writer_done) {  // until everything up to the member's close is written
    m->writer_finished.expires_at(Clock::time_point::max());
    co_await m->writer_finished.async_wait(use_nothrow);
  }
  m->idle_timer.cancel();
  if (!last_line.empty() || server_closed) co_await linger_before_close(m->socket);
  registered = false;
  context.live.remove(fd);
  m->socket.close(ignored);
}

}  // namespace echo::chat
