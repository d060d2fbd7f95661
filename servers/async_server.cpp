#include "async_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

#include "accept_failure.hpp"
#include "admission.hpp"
#include "async_chat_session.hpp"
#include "async_session.hpp"
#include "local_hub.hpp"
#include "remote_link.hpp"
#include "stop_signal.hpp"

namespace echo {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// One event loop per thread. Each connection lives in one loop for its whole life, so its steps
// never run on two threads at once: no strands, no locks on the hot path.
using Loops = std::vector<std::unique_ptr<asio::io_context>>;

// A coroutine that fails is logged, and the server goes on serving everyone else.
void log_failure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("connection failed: {}", e.what());
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionContext& context, Loops& loops) {
  SpareFd spare;
  asio::steady_timer backoff(acceptor.get_executor());
  for (std::size_t next = 0;; next = (next + 1) % loops.size()) {
    // The new connection belongs to the next loop in turn (round robin).
    auto [error, socket] = co_await acceptor.async_accept(*loops[next], use_nothrow);
    if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;  // stopping
    if (error) {
      const auto wait = on_accept_failure(error.value(), acceptor.native_handle(), spare, context.counters);
      if (wait.count() > 0) {
        backoff.expires_after(wait);
        co_await backoff.async_wait(use_nothrow);
      }
      continue;
    }
    if (!admit(socket, context.config.max_connections, context.counters)) continue;
    context.live.add(socket.native_handle());
    auto executor = socket.get_executor();
    // The place is given back once the session is over, however it ended.
    auto session = context.chat ? chat::serve_chat_async(std::move(socket), context) : serve_async(std::move(socket), context);
    asio::co_spawn(executor, std::move(session),
                   [&counters = context.counters](std::exception_ptr failure) {
                     counters.release();
                     log_failure(failure);
                   });
  }
}

// Stop: no new connections; every session reads end of input, answers what it has and closes;
// after the drain time, whatever is left is cut. Then the idle loops may end too.
asio::awaitable<void> stop_on_signal(tcp::acceptor& acceptor, SessionContext& context,
                                     std::vector<asio::executor_work_guard<asio::io_context::executor_type>>& keep_alive) {
  asio::posix::stream_descriptor stop(acceptor.get_executor(), dup(stop_fd()));
  co_await stop.async_wait(asio::posix::stream_descriptor::wait_read, use_nothrow);
  asio::error_code ignored;
  acceptor.close(ignored);
  context.live.shutdown_all(SHUT_RD);
  asio::steady_timer tick(acceptor.get_executor());
  const auto deadline = Clock::now() + context.config.drain_timeout;
  while (context.live.size() > 0) {
    if (Clock::now() >= deadline) {
      spdlog::warn("{} connections still open after {} ms; cutting them", context.live.size(),
                   context.config.drain_timeout.count());
      context.live.shutdown_all(SHUT_RDWR);
      break;
    }
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(use_nothrow);
  }
  if (context.chat) context.chat->shutdown();  // a hybrid worker's hub channel lets its loop go
  for (auto& guard : keep_alive) guard.reset();
}

}  // namespace

void run_async_server(const ServerConfig& config, const Listener& listener, Counters& counters, unsigned threads,
                      int hub_fd) {
  Loops loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_alive;
  for (unsigned i = 0; i < threads; ++i) {
    // One thread per loop. A single loop (coro) is never touched from another thread (a stop
    // arrives through an eventfd), so asio may drop its locks: 12% fewer instructions per
    // request (callgrind). pool's acceptor hands sockets across loops, so it keeps them.
    loops.push_back(std::make_unique<asio::io_context>(threads == 1 ? ASIO_CONCURRENCY_HINT_UNSAFE : 1));
    keep_alive.push_back(asio::make_work_guard(*loops.back()));  // a loop with no connections yet must not return
  }
  tcp::acceptor acceptor(*loops[0], listener.family == AF_INET6 ? tcp::v6() : tcp::v4(), listener.fd);
  ConnectionRegistry live;
  // --chat: the rooms live here (coro, pool), or in the hub at the other end of hub_fd (hybrid).
  std::unique_ptr<chat::ChatLink> chat;
  if (config.chat && hub_fd >= 0) chat = std::make_unique<chat::RemoteLink>(*loops[0], hub_fd, config.max_backlog);
  else if (config.chat) chat = std::make_unique<chat::LocalHub>(config.transform, counters);
  SessionContext context{config, counters, live, chat.get()};
  asio::co_spawn(*loops[0], accept_loop(acceptor, context, loops), log_failure);
  asio::co_spawn(*loops[0], stop_on_signal(acceptor, context, keep_alive), log_failure);

  const auto run = [](asio::io_context& io) {
    for (;;) {
      try {
        io.run();  // returns once its connections are closed after a stop
        return;
      } catch (const std::exception& e) {
        spdlog::error("event loop: {}", e.what());
      }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back(run, std::ref(*loops[i]));
  run(*loops[0]);
  for (auto& t : workers) t.join();
}

}  // namespace echo
