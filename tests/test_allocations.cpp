// No heap allocation per request in steady state on the event-loop backends: a counting
// operator new, and a backend run in-process. Allocations by the test's own client thread are
// not counted.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "backend.hpp"
#include "line_client.hpp"
#include "stop_signal.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
thread_local bool t_not_counted = false;  // set on the client thread
}  // namespace

void* operator new(std::size_t size) {
  if (!t_not_counted) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// g++ 12 takes a replaced operator delete calling free() for a mismatch; it is not.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace echo::test;

TEST_CASE("coro and pool: no heap allocation per request once warmed up") {
  echo::install_stop_handlers();
  echo::Counters& counters = echo::make_shared_counters();
  for (const std::string mode : {"coro", "pool"}) {
    CAPTURE(mode);
    echo::ServerConfig config;
    config.workers = 2;
    config.max_connections = 100;
    config.idle_timeout = std::chrono::seconds(60);  // the watchdog timer must not allocate either
    const echo::Listener listener = echo::listen_tcp("127.0.0.1", 0);
    std::thread server([&] { echo::find_backend(mode)->run(config, listener, counters); });

    std::size_t during = 0, setup = 0;
    constexpr int kRequests = 20000;
    std::thread client([&] {
      t_not_counted = true;
      const std::size_t before_connect = g_allocations.load();
      std::vector<std::unique_ptr<LineClient>> clients;
      for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<LineClient>(listener.port));
      const std::string line(63, 'a');
      auto round = [&](int requests) {
        for (int i = 0; i < requests; ++i) {
          auto& c = *clients[static_cast<std::size_t>(i) % clients.size()];
          c.send(line + "\n");
          REQUIRE(c.read_line() == std::string(63, 'A'));
        }
      };
      round(2000);  // warm-up: buffers grow, asio's frame caches fill
      const std::size_t start = g_allocations.load();
      setup = start - before_connect;
      round(kRequests);
      during = g_allocations.load() - start;
    });
    client.join();
    echo::request_stop();  // the same path as SIGTERM
    server.join();
    MESSAGE(mode << ": " << setup << " heap allocations to connect and warm up, " << during
                 << " during the next " << kRequests << " requests");
    CHECK(setup > 0);  // the counter does see the server's allocations (sessions, buffers)
    CHECK(during < 10);
    // The stop eventfd stays readable for good; a fresh one for the next backend.
    echo::install_stop_handlers();
  }
}
