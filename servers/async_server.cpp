#include "async_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <exception>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

#include "async_session.hpp"
#include "line_framer.hpp"
#include "stop_signal.hpp"

namespace echo {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// A coroutine that fails is logged, and the server goes on serving everyone else.
void log_failure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("connection failed: {}", e.what());
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionContext& context,
                                  asio::any_io_executor (*next_executor)(asio::io_context&), asio::io_context& io) {
  SpareFd spare;
  asio::steady_timer backoff(acceptor.get_executor());
  Clock::time_point last_warning;
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(next_executor(io), use_nothrow);
    if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;  // stopping
    if (error) {
      const bool out_of_fds = error.value() == EMFILE || error.value() == ENFILE;
      // Without shedding, the listening socket stays readable and the loop spins at 100% CPU.
      if (out_of_fds && spare.shed_one(acceptor.native_handle()))
        context.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      if (Clock::now() - last_warning > std::chrono::seconds(1)) {
        spdlog::warn("accept: {}{}", error.message(), out_of_fds ? "; turning connections away" : "");
        last_warning = Clock::now();
      }
      if (is_resource_exhaustion(error.value())) {
        backoff.expires_after(std::chrono::milliseconds(out_of_fds ? 10 : 100));
        co_await backoff.async_wait(use_nothrow);
      }
      continue;
    }
    if (!context.live.try_add(socket.native_handle(), context.config.max_connections)) {
      context.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      reject_and_close(socket.release(), kErrServerBusy);
      continue;
    }
    context.counters.accepted.fetch_add(1, std::memory_order_relaxed);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve_async(std::move(socket), context), log_failure);
  }
}

// Stop: no new connections; every session reads end of input, answers what it has and closes;
// after the drain time, whatever is left is cut.
asio::awaitable<void> stop_on_signal(tcp::acceptor& acceptor, ConnectionRegistry& live, const ServerConfig& config) {
  asio::posix::stream_descriptor stop(acceptor.get_executor(), dup(stop_fd()));
  co_await stop.async_wait(asio::posix::stream_descriptor::wait_read, use_nothrow);
  asio::error_code ignored;
  acceptor.close(ignored);
  live.shutdown_all(SHUT_RD);
  asio::steady_timer tick(acceptor.get_executor());
  const auto deadline = Clock::now() + config.drain_timeout;
  while (live.size() > 0) {
    if (Clock::now() >= deadline) {
      spdlog::warn("{} connections still open after {} ms; cutting them", live.size(), config.drain_timeout.count());
      live.shutdown_all(SHUT_RDWR);
      break;
    }
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(use_nothrow);
  }
}

asio::any_io_executor plain_executor(asio::io_context& io) { return io.get_executor(); }
asio::any_io_executor new_strand(asio::io_context& io) { return asio::make_strand(io); }

}  // namespace

void run_async_server(const ServerConfig& config, const Listener& listener, Counters& counters, unsigned threads) {
  asio::io_context io(static_cast<int>(threads));
  const bool shared = threads > 1;
  // The acceptor and the stop handler share one strand: acceptor.close() must not race accept.
  tcp::acceptor acceptor(shared ? new_strand(io) : plain_executor(io), listener.family == AF_INET6 ? tcp::v6() : tcp::v4(),
                         listener.fd);
  ConnectionRegistry live;
  SessionContext context{config, counters, live};
  asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor, context, shared ? new_strand : plain_executor, io),
                 log_failure);
  asio::co_spawn(acceptor.get_executor(), stop_on_signal(acceptor, live, config), log_failure);

  const auto run = [&io] {
    for (;;) {
      try {
        io.run();  // returns once every connection is closed after a stop
        return;
      } catch (const std::exception& e) {
        spdlog::error("event loop: {}", e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

}  // namespace echo
