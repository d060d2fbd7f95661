// The baseline servers (servers/baselines/) that echo-bench compare measures echo-server against
// must speak the protocol's core, or their numbers mean nothing: pipelining, lines split over
// reads, half-close, the line limit (epoll-baseline only: fork-baseline has none), resets, many
// clients at once, a client that never reads, and stopping on SIGTERM while clients are busy.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "line_client.hpp"
#include "net.hpp"
#include "proc_stats.hpp"
#include "process.hpp"

using namespace echo::test;
using namespace std::string_view_literals;

namespace {

constexpr std::size_t kMaxLine = 65536;  // epoll-baseline's, as echo-server's default

struct Baseline {
  std::string label;  // for messages
  std::string program;
  std::vector<std::string> args;
  bool line_limit;
};

const std::vector<Baseline> kBaselines{
    {"epoll-baseline", "epoll-baseline", {}, true},
    {"epoll-baseline --processes 2", "epoll-baseline", {"--processes", "2"}, true},
    {"fork-baseline", "fork-baseline", {}, false},
};

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// What the protocol answers to `payload` sent whole and followed by end of input.
std::string expected(const std::string& payload, bool line_limit) {
  std::string out;
  for (std::size_t start = 0; start < payload.size();) {
    const auto lf = std::min(payload.find('\n', start), payload.size());
    if (line_limit && lf - start > kMaxLine) return out + "ERR line too long\n";
    out += upper(payload.substr(start, lf - start)) + "\n";
    start = lf + 1;
  }
  return out;
}

// Sends `payload` in pieces of the given sizes (the rest at once) from a thread, half-closes
// if asked, and returns everything the server sends until it closes.
std::string exchange(unsigned short port, const std::string& payload, const std::vector<std::size_t>& pieces = {},
                     std::chrono::microseconds pause = 0us, bool half_close = true) {
  LineClient client(port);
  std::thread sender([&, fd = client.fd()] {
    std::size_t sent = 0;
    auto send_piece = [&](std::size_t n) {
      while (n > 0) {
        const ssize_t k = ::send(fd, payload.data() + sent, n, MSG_NOSIGNAL);
        if (k <= 0) return false;  // the server closed first (after an ERR): the reader checks that
        sent += static_cast<std::size_t>(k);
        n -= static_cast<std::size_t>(k);
      }
      return true;
    };
    for (const std::size_t n : pieces) {
      if (!send_piece(std::min(n, payload.size() - sent))) return;
      if (pause > 0us) std::this_thread::sleep_for(pause);
    }
    if (!send_piece(payload.size() - sent)) return;
    if (half_close) shutdown(fd, SHUT_WR);
  });
  std::string got = client.read_bytes(SIZE_MAX, 30s);
  sender.join();
  return got;
}

}  // namespace

TEST_CASE("baselines: pipelining, lines split over reads, half-close, empty and max-length lines") {
  for (const Baseline& b : kBaselines) {
    CAPTURE(b.label);
    ServerProcess server(b.args, b.program);

    std::string lines;
    for (int i = 0; i < 20000; ++i) lines += "line " + std::to_string(i) + " hello world\n";
    CHECK(exchange(server.port(), lines) == expected(lines, b.line_limit));

    std::string mixed;
    for (int i = 0; i < 50; ++i) mixed += "hello\r\n\nUTF-8 \xc3\xa9t\xc3\xa9 \0nul\nabc-xyz{}\n"sv;
    mixed += "tail";
    std::mt19937 random(7);
    std::vector<std::size_t> pieces(mixed.size() / 4);
    for (auto& n : pieces) n = std::uniform_int_distribution<std::size_t>(1, 7)(random);
    CHECK(exchange(server.port(), mixed, pieces, 200us) == expected(mixed, b.line_limit));
    CHECK(exchange(server.port(), "ab\ncd", {1, 1, 1, 1, 1}, 2ms) == "AB\nCD\n");

    CHECK(exchange(server.port(), "a\nb\nlast") == "A\nB\nLAST\n");
    CHECK(exchange(server.port(), "\n\n") == "\n\n");
    const std::string exact = std::string(kMaxLine, 'q') + "\n";
    CHECK(exchange(server.port(), exact) == upper(exact));
    CHECK(server.stop() != -1);
  }
}

TEST_CASE("epoll-baseline: a line over the limit gets ERR, then the connection closes") {
  ServerProcess server({}, "epoll-baseline");
  const std::string too_long = "ok\n" + std::string(kMaxLine + 10, 'x') + "\nnever\n";
  CHECK(exchange(server.port(), too_long, {}, 0us, false) == "OK\nERR line too long\n");
  const std::string still_sending = "ok\n" + std::string(4 << 20, 'y');  // keeps sending after the ERR
  CHECK(exchange(server.port(), still_sending, {}, 0us, false) == "OK\nERR line too long\n");
  CHECK(server.stop() == 0);
}

TEST_CASE("baselines: resets mid-line and many clients at once") {
  for (const Baseline& b : kBaselines) {
    CAPTURE(b.label);
    ServerProcess server(b.args, b.program);
    for (int i = 0; i < 20; ++i) {  // RST with half a line and unanswered replies in flight
      LineClient client(server.port());
      client.send("half a line\nand the oth");
      client.reset();
    }
    CHECK(exchange(server.port(), "x\n") == "X\n");

    std::vector<std::string> payloads(8), replies(8);
    for (std::size_t k = 0; k < payloads.size(); ++k) {
      std::mt19937 random(static_cast<std::uint32_t>(k));
      for (int i = 0; i < 3000; ++i)
        payloads[k] += "c" + std::to_string(k) + " n" + std::to_string(i) + " " +
                       std::string(std::uniform_int_distribution<std::size_t>(0, 300)(random), 'z') + "\n";
    }
    std::vector<std::thread> clients;
    for (std::size_t k = 0; k < payloads.size(); ++k)
      clients.emplace_back([&, k] { replies[k] = exchange(server.port(), payloads[k], {1000, 5000, 9000}); });
    for (auto& t : clients) t.join();
    for (std::size_t k = 0; k < payloads.size(); ++k) CHECK(replies[k] == expected(payloads[k], b.line_limit));
    CHECK(server.stop() != -1);
  }
}

TEST_CASE("baselines: a client that sends and never reads does not make the server buffer") {
  for (const Baseline& b : kBaselines) {
    CAPTURE(b.label);
    ServerProcess server(b.args, b.program);
    LineClient flood(server.port());
    // One round trip first, so that the connection is served (fork-baseline: its child exists)
    // before the memory it costs at rest is read.
    flood.send("warm\n");
    REQUIRE(flood.read_line() == "WARM");
    const std::size_t before_kib = tree_stats(server.pid()).rss_kib;
    echo::set_nonblocking(flood.fd(), true);
    const std::string line = std::string(1000, 'f') + "\n";
    std::size_t sent = 0, peak_kib = before_kib;
    for (const auto end = std::chrono::steady_clock::now() + 1s; std::chrono::steady_clock::now() < end;) {
      const ssize_t n = ::send(flood.fd(), line.data(), line.size(), MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      peak_kib = std::max(peak_kib, tree_stats(server.pid()).rss_kib);
      std::this_thread::sleep_for(5ms);  // the buffers are full: the server stopped reading
    }
    peak_kib = std::max(peak_kib, tree_stats(server.pid()).rss_kib);
    MESSAGE(b.label << ": " << sent / 1024 << " KiB sent unread; RSS " << before_kib << " -> " << peak_kib << " KiB");
    CHECK(sent < 64u << 20);  // socket buffers hold a few MiB; a server that kept reading takes it all
    CHECK(peak_kib < before_kib + 16 * 1024);
    flood.reset();
    CHECK(exchange(server.port(), "alive\n") == "ALIVE\n");
  }
}

TEST_CASE("baselines stop on SIGTERM while clients are busy, and no sanitizer speaks") {
  for (const Baseline& b : kBaselines) {
    CAPTURE(b.label);
    ServerProcess server(b.args, b.program);
    std::vector<std::unique_ptr<LineClient>> busy;
    for (int i = 0; i < 6; ++i) {
      busy.push_back(std::make_unique<LineClient>(server.port()));
      std::string burst;
      for (int j = 0; j < 500; ++j) burst += "still talking\n";
      busy.back()->send(burst);
    }
    std::this_thread::sleep_for(200ms);
    // epoll-baseline closes its connections and exits 0; fork-baseline has no handler (SIGTERM
    // ends it, and each connection's process ends with its connection).
    const int status = server.stop(SIGTERM, 10s);
    CHECK(status == (b.program == "fork-baseline" ? 128 + SIGTERM : 0));
    const std::string err = server.stderr_text();
    CHECK_MESSAGE(err.find("Sanitizer") == std::string::npos, err);
    CHECK_MESSAGE(err.find("runtime error") == std::string::npos, err);
  }
}
