// Hostile and careless clients at scale: a client that never reads, and thousands of clients
// at once. Memory must stay bounded and every connection must be served.

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "line_client.hpp"
#include "modes.hpp"
#include "net.hpp"
#include "proc_stats.hpp"
#include "process.hpp"

using namespace echo::test;

TEST_CASE("backpressure: a client that writes fast and never reads does not make the server buffer") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient flood(server.port());
    REQUIRE(flood.read_line(100ms) == std::nullopt);  // settle: nothing to read yet
    const TreeStats before = tree_stats(server.pid());

    // Send 1 KiB lines for 2 seconds without reading a single reply.
    echo::set_nonblocking(flood.fd(), true);
    const std::string line = std::string(1023, 'f') + "\n";
    std::size_t sent = 0;
    std::size_t peak_rss_kib = before.rss_kib;
    const auto end = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < end) {
      const ssize_t n = send(flood.fd(), line.data(), line.size(), MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else {
        peak_rss_kib = std::max(peak_rss_kib, tree_stats(server.pid()).rss_kib);
        std::this_thread::sleep_for(5ms);  // our buffers are full: the server stopped reading
      }
    }
    peak_rss_kib = std::max(peak_rss_kib, tree_stats(server.pid()).rss_kib);
    MESSAGE(mode << ": client got " << sent / 1024 << " KiB into the connection; server RSS "
                 << before.rss_kib << " -> " << peak_rss_kib << " KiB");
    // Kernel socket buffers hold a few MiB; a server that kept reading would take gigabytes.
    CHECK(sent < 64u << 20);
    CHECK(peak_rss_kib < before.rss_kib + 8 * 1024);

    // The server still serves others, and the flooder's connection is still alive.
    LineClient other(server.port());
    other.send("other\n");
    CHECK(other.read_line() == "OTHER");
    echo::set_nonblocking(flood.fd(), false);
    CHECK(flood.read_line() == std::string(1023, 'F'));
    flood.reset();
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("holding many connections at once: up to 10,000, within each mode's default limit") {
  echo::raise_fd_limit();
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    // Seven eighths of the mode's default limit (which protects the machine where a connection
    // costs a process or a thread), at most 10,000.
    const std::size_t count = std::min<std::size_t>(10000, default_max_connections(mode) * 7 / 8);
    ServerProcess server({"--mode", mode, "--log-level", "warn"});
    const TreeStats before = tree_stats(server.pid());
    std::vector<std::unique_ptr<LineClient>> clients;
    clients.reserve(count);
    for (std::size_t i = 0; i < count; ++i) clients.push_back(std::make_unique<LineClient>(server.port(), 10s));
    for (std::size_t i = 0; i < count; ++i) clients[i]->send("c" + std::to_string(i) + "\n");
    std::size_t answered = 0;
    for (std::size_t i = 0; i < count; ++i) answered += clients[i]->read_line(10s) == "C" + std::to_string(i);
    CHECK(answered == count);
    const TreeStats held = tree_stats(server.pid());
    MESSAGE(mode << ": " << count << " connections held; PSS " << before.pss_kib << " -> " << held.pss_kib
                 << " KiB (" << (held.pss_kib - before.pss_kib) * 1024 / count << " bytes each; RSS summed "
                 << (held.rss_kib - before.rss_kib) * 1024 / count << "), threads " << held.threads
                 << ", processes " << held.processes);
    CHECK(held.fds >= count);
    clients.clear();
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("connections: " + std::to_string(count) + " served") != std::string::npos);
  }
}
