// Scale (docs/SCALE.md): more connections than one process may open, idle crowds, source
// addresses, and what a held connection costs. Small versions of the docs' runs, for CI.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "net.hpp"
#include "process.hpp"
#include "source_addresses.hpp"
#include "target.hpp"
#include "json_number.hpp"

using namespace echo::bench;
using namespace std::chrono_literals;
using echo::test::binary_dir;
using echo::test::ServerProcess;
namespace fs = std::filesystem;

// Under a sanitizer the server's memory is mostly the sanitizer's (shadow, red zones, quarantine).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ECHO_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ECHO_SANITIZED 1
#endif
#endif

using echo::test::json_number;

namespace {

struct Ran {
  int code = -1;
  std::string out, err;
};

// echo-bench with `args`, under an open-file limit (soft and hard: it cannot raise it) if given.
Ran bench(std::vector<std::string> args, unsigned long fd_limit = 0, std::chrono::seconds timeout = 60s) {
  echo::ChildOptions o;
  o.argv = {(binary_dir() / "echo-bench").string()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.fd_limit = fd_limit;
  o.out = o.err = echo::ChildOutput::pipe();
  echo::ChildProcess child(o);
  Ran r;
  if (const auto exit = child.wait_exit(timeout)) r.code = exit->code();
  r.out = child.out();
  r.err = child.err();
  return r;
}

}  // namespace

TEST_CASE("hybrid holds more connections than one process may open, each answered twice, driven by several bench processes") {
  // 1,024 descriptors for every process on both sides: 3,000 connections need four hybrid
  // workers and three or more bench processes, so both must really spread the load.
  constexpr unsigned long kLimit = 1024;
  ServerProcess server({"--mode", "hybrid", "--workers", "4", "--listener", "reuseport", "--max-connections", "5000",
                        "--log-level", "warn"},
                       "echo-server", kLimit);
  // Open loop: line k goes to connection k mod 3000, so -n 6000 asks each connection exactly twice,
  // and no line is sent before all 3,000 are open.
  const Ran r = bench({"run", "--port", std::to_string(server.port()), "-c", "3000", "-n", "6000", "--rate", "6000",
                       "--timeout", "20", "--json", "-q"},
                      kLimit, 90s);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "connections") == 3000);
  CHECK(json_number(r.out, "requests") == 6000);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "processes") >= 3);
  CHECK(r.err.find("load processes") != std::string::npos);
  CHECK(server.stop() == 0);
  // Every connection got a place (each bench process also made one probe connection first).
  const std::string summary = server.stderr_text();
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(summary, m, std::regex("connections: ([0-9]+) served, 0 rejected")), summary);
  CHECK(std::stoul(m[1]) >= 3000);
}

TEST_CASE("fork holds more connections than its parent may open, opened no faster than --connect-rate") {
  // The fork parent hands every connection to its child, so 128 descriptors do not bound it;
  // the processes do. The bench (one load thread) opens its 300 connections at 600 a second at
  // most: the first at once, the last no sooner than 299/600 s later.
  ServerProcess server({"--mode", "fork", "--max-connections", "400", "--log-level", "warn"}, "echo-server", 128);
  const Ran r = bench({"run", "--port", std::to_string(server.port()), "-c", "300", "-n", "600", "--rate", "600",
                       "-t", "1", "--connect-rate", "600", "--timeout", "30", "--json", "-q"},
                      0, 120s);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "connections") == 300);
  CHECK(json_number(r.out, "requests") == 600);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "open_s") >= 299.0 / 600.0);
  CHECK(server.stop() == 0);
  const std::string summary = server.stderr_text();
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(summary, m, std::regex("connections: ([0-9]+) served, 0 rejected")), summary);
  CHECK(std::stoul(m[1]) >= 300);
  // Its parent holds none of them, so 128 descriptors are no reason to warn.
  CHECK(summary.find("open-file limit") == std::string::npos);
}

TEST_CASE("a server that never accepts: the bench counts the connects its kernel dropped, and says to pace them") {
  // A listening socket with a queue of 1 that nobody accepts from: past the queue, the kernel
  // drops connects (TcpExt ListenOverflows, machine-wide: other tests may add to it, never take).
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(listen(listener, 1) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const Ran r = bench({"run", "--port", std::to_string(ntohs(addr.sin_port)), "-c", "20", "-d", "1", "--warmup", "0",
                       "--timeout", "2", "--json"});
  close(listener);
  CHECK(r.code == 3);  // nothing is ever answered
  CHECK(json_number(r.out, "listen_overflows") > 0);
  CHECK(r.err.find("pace them with --connect-rate") != std::string::npos);
}

TEST_CASE("--connect-rate R starts connect k no sooner than k/R seconds after the first") {
  ServerProcess server({"--mode", "coro", "--log-level", "warn"});
  const Ran r = bench({"run", "--port", std::to_string(server.port()), "-c", "3", "-t", "1", "--connect-rate", "4",
                       "-d", "0.2", "--warmup", "0", "--json", "-q"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "connections") == 3);
  CHECK(json_number(r.out, "open_s") >= 2.0 / 4.0);  // the third, two quarters of a second on
}

TEST_CASE("--connect-rate must be a rate") {
  const Ran r = bench({"run", "-c", "2", "--connect-rate", "-1"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--connect-rate must not be negative") != std::string::npos);
}

TEST_CASE("--idle holds silent connections for the whole run, and each answers one line at the end") {
  ServerProcess server({"--mode", "coro", "--log-level", "warn"});
  const Ran r = bench({"run", "--port", std::to_string(server.port()), "-c", "2", "-d", "0.5", "--warmup", "0.1",
                       "--idle", "300", "--json", "-q"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "idle") == 300);
  CHECK(json_number(r.out, "idle_established") == 300);
  CHECK(json_number(r.out, "idle_answered") == 300);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "requests") > 0);
}

TEST_CASE("--idle counts every idle connection the server dropped as an error") {
  // The server closes connections silent for 1 s; the active ones keep talking, the idle ones go.
  ServerProcess server({"--mode", "pool", "--idle-timeout", "1", "--log-level", "warn"});
  const Ran r = bench({"run", "--port", std::to_string(server.port()), "-c", "2", "-d", "1.5", "--warmup", "0",
                       "--idle", "40", "--json", "-q"});
  CHECK(r.code == 3);  // ran, but counted errors
  CHECK(json_number(r.out, "idle_established") == 40);
  CHECK(json_number(r.out, "idle_answered") == 0);
  CHECK(json_number(r.out, "errors") >= 40);
}

TEST_CASE("connections spread over the source addresses they were given, in turn") {
  const echo::Listener listener = echo::listen_tcp("127.0.0.1", 0);
  std::string error;
  auto target = resolve_target("127.0.0.1", listener.port, error);
  REQUIRE(target);
  target->sources = std::make_shared<const SourceAddresses>(3);
  CHECK(target->sources->describe() == "127.0.0.1-127.0.0.3");
  std::map<std::string, int> seen;
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i) {
    fds.push_back(start_connect(*target));
    REQUIRE(fds.back() >= 0);
    const int accepted = accept(listener.fd, nullptr, nullptr);
    REQUIRE(accepted >= 0);
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    getpeername(accepted, reinterpret_cast<sockaddr*>(&peer), &len);
    char text[INET_ADDRSTRLEN];
    ++seen[inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text)];
    close(accepted);
  }
  for (const int fd : fds) close(fd);
  close(listener.fd);
  CHECK(seen == std::map<std::string, int>{{"127.0.0.1", 2}, {"127.0.0.2", 2}, {"127.0.0.3", 2}});
}

TEST_CASE("past one source address's ports the bench needs more addresses, and says so where it has none") {
  const std::size_t per_address = connections_per_address();
  CHECK(per_address < ephemeral_ports());
  std::string error;
  sockaddr_storage loopback{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(loopback);
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(source_addresses_needed(loopback, per_address, error) == 1u);
  CHECK(source_addresses_needed(loopback, per_address + 1, error) == 2u);
  CHECK(source_addresses_needed(loopback, 2 * per_address + 1, error) == 3u);
  // Towards ::1 (not a 127.x address) there is only one: a clear error before anything starts.
  const Ran r = bench({"run", "--host", "::1", "--port", "9", "-c", std::to_string(per_address + 1), "-d", "1"});
  CHECK(r.code == 1);
  CHECK(r.err.find("need 2 source addresses") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("compare --idle reports memory per connection held, and an idle coro or hybrid connection costs the server under 3 KiB") {
  const fs::path out = fs::temp_directory_path() / ("scale-compare-" + std::to_string(getpid()));
  fs::remove_all(out);
  const Ran r = bench({"compare", "--modes", "coro,hybrid", "-c", "2", "--idle", "3000", "-d", "0.3", "--warmup", "0",
                       "--out", out.string()},
                      0, 120s);
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::ifstream in(out / "results.json");
  std::stringstream json;
  json << in.rdbuf();
  const std::string text = json.str();
  std::smatch m;
  const std::regex re("\"memory_per_connection\":\\{\"held\":([0-9]+),\"server_bytes\":(-?[0-9.eE+]+)");
  int points = 0;
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), m, re); it = m.suffix().first) {
    ++points;
    CHECK(std::stoul(m[1]) == 3002);
#ifndef ECHO_SANITIZED
    CHECK(std::stod(m[2]) < 3 * 1024);
#endif
    CHECK(std::stod(m[2]) > 0);
  }
  CHECK(points == 2);
  CHECK(json_number(text, "idle_answered") == 3000);
  fs::remove_all(out);
}
