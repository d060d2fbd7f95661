#include "fork_chat_child.hpp"

#include <sys/socket.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <exception>
#include <spdlog/spdlog.h>

#include "async_chat_session.hpp"
#include "connection_registry.hpp"
#include "remote_link.hpp"

namespace echo::chat {

void serve_chat_child(int fd, int family, int hub_fd, const ServerConfig& config, Counters& counters) {
  asio::io_context loop(ASIO_CONCURRENCY_HINT_UNSAFE);  // one thread; a stop arrives as SHUT_RD
  ConnectionRegistry live;
  live.add(fd);
  RemoteLink link(loop, hub_fd, config.max_backlog);
  SessionContext context{config, counters, live, &link};
  LoopSocket socket(loop.get_executor(), family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
  asio::co_spawn(loop, serve_chat_async(std::move(socket), context), [&link](std::exception_ptr failure) {
    link.shutdown();  // the session is over: nothing else keeps the loop running
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("chat connection failed: {}", e.what());
    }
  });
  loop.run();
}

}  // namespace echo::chat
