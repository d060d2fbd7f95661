// --mode hybrid's own promises, beyond the protocol every mode is tested on: the parent only
// supervises; a worker that dies is replaced while the others go on serving; one
// --max-connections over every worker; both ways of sharing the port.

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "line_client.hpp"
#include "proc_info.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {

// A worker appears, or is replaced, within this (a back-off may delay it).
constexpr auto kWorkerWait = 5s;

bool answers(unsigned short port, const std::string& word) {
  LineClient client(port);
  client.send(word + "\n");
  std::string upper = word;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
  return client.read_line() == upper;
}

}  // namespace

TEST_CASE("hybrid: --workers processes serve, for both ways of sharing the port") {
  for (const std::string listener : {"shared", "reuseport"}) {
    CAPTURE(listener);
    ServerProcess server({"--mode", "hybrid", "--workers", "3", "--listener", listener});
    CHECK(eventually([&] { return echo::child_pids(server.pid()).size() == 3; }, kWorkerWait));
    for (int i = 0; i < 30; ++i) REQUIRE(answers(server.port(), "w" + std::to_string(i)));
    CHECK(server.stop() == 0);
    const std::string log = server.stderr_text();
    CHECK(log.find("connections: 30 served") != std::string::npos);
    CHECK(log.find("connections per worker: ") != std::string::npos);
  }
}

TEST_CASE("hybrid: a worker killed with SIGKILL is replaced, and the others never stop serving") {
  for (const std::string listener : {"shared", "reuseport"}) {
    CAPTURE(listener);
    ServerProcess server({"--mode", "hybrid", "--workers", "2", "--listener", listener});
    REQUIRE(eventually([&] { return echo::child_pids(server.pid()).size() == 2; }, kWorkerWait));
    LineClient held(server.port());  // lives in one of the workers
    held.send("before\n");
    REQUIRE(held.read_line() == "BEFORE");

    const auto before = echo::child_pids(server.pid());
    kill(before.front(), SIGKILL);
    // A new worker appears in place of the dead one.
    CHECK(eventually([&] {
      const auto now = echo::child_pids(server.pid());
      return now.size() == 2 && std::find(now.begin(), now.end(), before.front()) == now.end();
    }, kWorkerWait));
    // New connections are served all along (with shared, none is ever lost; with reuseport, the
    // dead worker's queued connections would be, but none was queued here).
    for (int i = 0; i < 20; ++i) CHECK(answers(server.port(), "after"));
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("killed by signal 9") != std::string::npos);
  }
}

TEST_CASE("hybrid: workers that keep dying at start are restarted with a growing back-off") {
  ServerProcess server({"--mode", "hybrid", "--workers", "1"});
  for (int i = 0; i < 4; ++i) {
    std::vector<pid_t> workers;
    REQUIRE(eventually([&] { return (workers = echo::child_pids(server.pid())).size() == 1; }, kWorkerWait));
    kill(workers.front(), SIGKILL);  // well within its first second: a failing start
    REQUIRE(eventually([&] { return echo::child_pids(server.pid()) != workers; }, kWorkerWait));
  }
  CHECK(answers(server.port(), "still here"));
  CHECK(server.stop() == 0);
  const std::string log = server.stderr_text();
  CHECK(log.find("starting a new one in 100 ms") != std::string::npos);
  CHECK(log.find("starting a new one in 200 ms") != std::string::npos);
  CHECK(log.find("starting a new one in 400 ms") != std::string::npos);
}

TEST_CASE("hybrid: --max-connections counts the whole server, and a dead worker's places come back") {
  ServerProcess server({"--mode", "hybrid", "--workers", "2", "--max-connections", "4"});
  REQUIRE(eventually([&] { return echo::child_pids(server.pid()).size() == 2; }, kWorkerWait));
  std::vector<std::unique_ptr<LineClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<LineClient>(server.port()));
    held.back()->send("x\n");
    REQUIRE(held.back()->read_line() == "X");  // admitted, wherever the kernel put it
  }
  {
    LineClient over(server.port());
    CHECK(over.read_line() == "ERR server busy");
  }
  // Kill every worker: their connections die with them, and their places are given back.
  for (const pid_t pid : echo::child_pids(server.pid())) kill(pid, SIGKILL);
  for (auto& c : held) CHECK(c->wait_closed());
  held.clear();
  CHECK(eventually([&] { return echo::child_pids(server.pid()).size() == 2; }, 10s));
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<LineClient>(server.port()));
    held.back()->send("y\n");
    CHECK(eventually([&] { return held.back()->read_line(1s) == "Y"; }, 10s));
  }
  CHECK(server.stop() == 0);
  CHECK(server.stderr_text().find("1 rejected") != std::string::npos);
}

TEST_CASE("hybrid --listener reuseport: a port in use is still an error, not a silent share") {
  ServerProcess first({"--mode", "hybrid", "--workers", "2", "--listener", "reuseport"});
  const auto second = run_program({"echo-server", "--mode", "hybrid", "--listener", "reuseport", "--port",
                                   std::to_string(first.port())},
                                  "", 10s);
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("Address already in use") != std::string::npos);
  CHECK(answers(first.port(), "first"));
}
