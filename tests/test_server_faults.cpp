// echo-server under limits, faults and signals: what a careless or hostile client does, and
// what a user at the command line gets wrong.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eventually.hpp"
#include "line_client.hpp"
#include "modes.hpp"
#include "proc_info.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {

// CPU time (user + system) of a process and its reaped children, in seconds.
double cpu_seconds(pid_t pid) {
  const auto stat = echo::ProcStat::read(pid);
  std::uint64_t ticks = 0;
  for (int field = 14; stat && field <= 17; ++field) ticks += stat->number(field);  // utime stime cutime cstime
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

bool round_trip(LineClient& client, const std::string& text) {
  client.send(text + "\n");
  std::string expected = text;
  for (auto& c : expected) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  return client.read_line() == expected;
}

// Environment variables for the programs started while it lives. This process is not changed by
// them: a preloaded library loads only at exec.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) old ? setenv(name.c_str(), old->c_str(), 1) : unsetenv(name.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// echo-server with tests/support/fail_shim.cpp preloaded: `variable`'s calls numbered `window`
// (N or N-M) fail with EAGAIN.
std::unique_ptr<ServerProcess> start_failing(std::vector<std::string> args, const std::string& variable,
                                             const std::string& window) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  // An ASan runtime linked as a shared library (g++) refuses to come after a preloaded library.
  const std::string asan_options = std::string(asan != nullptr ? asan : "") + ":verify_asan_link_order=0";
  const ScopedEnv env({{"LD_PRELOAD", ECHO_FAIL_SHIM}, {variable, window}, {"ASAN_OPTIONS", asan_options}});
  return std::make_unique<ServerProcess>(std::move(args));
}

}  // namespace

TEST_CASE("--max-connections: one too many gets ERR server busy, the others are not disturbed") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--max-connections", "2"});
    auto a = std::make_unique<LineClient>(server.port());
    LineClient b(server.port());
    REQUIRE(round_trip(*a, "a"));
    REQUIRE(round_trip(b, "b"));
    LineClient over(server.port());
    CHECK(over.read_line() == "ERR server busy");
    CHECK(over.wait_closed());
    CHECK(round_trip(*a, "still here"));
    CHECK(round_trip(b, "me too"));
    a.reset();  // one leaves: a place frees up (fork: once the child is reaped)
    CHECK(eventually([&] {
      LineClient next(server.port());
      return round_trip(next, "my turn");
    }));
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("--idle-timeout: a silent connection gets ERR idle timeout and is closed, a chatty one is not") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--idle-timeout", "0.4"});
    LineClient silent(server.port());
    LineClient chatty(server.port());
    for (int i = 0; i < 6; ++i) {  // 0.9 s of traffic, never 0.4 s of silence
      CHECK(round_trip(chatty, "ping"));
      std::this_thread::sleep_for(150ms);
    }
    CHECK(silent.read_line(3s) == "ERR idle timeout");
    CHECK(silent.wait_closed());
    CHECK(round_trip(chatty, "still alive"));
  }
}

TEST_CASE("clients that reset mid-line or leave without reading do not hurt the server") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    for (int i = 0; i < 5; ++i) {
      LineClient rude(server.port());
      rude.send("half a li");
      rude.reset();
    }
    for (int i = 0; i < 5; ++i) {  // 4 MiB of requests, then gone: replies hit a closed socket
      LineClient leaver(server.port());
      std::thread sender([&] {
        try {
          leaver.send("a\n" + std::string(1 << 22, 'x'));
        } catch (const std::exception&) {
        }
      });
      std::this_thread::sleep_for(20ms);
      shutdown(leaver.fd(), SHUT_RDWR);
      sender.join();
      leaver.reset();
    }
    LineClient polite(server.port());
    CHECK(round_trip(polite, "anyone home"));
    CHECK(server.stop() == 0);  // exit 0: no SIGPIPE, no crash
  }
}

TEST_CASE("fork: children are reaped as they finish, so no zombies") {
  ServerProcess server({"--mode", "fork"});
  for (int i = 0; i < 20; ++i) {
    LineClient client(server.port());
    CHECK(round_trip(client, "short visit"));
  }
  CHECK(eventually([&] { return echo::child_pids(server.pid()).empty(); }));
  CHECK(count_zombie_children(server.pid()) == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("SIGTERM and SIGINT: lines already sent are answered, connections closed, exit 0 with totals") {
  for (const int sig : {SIGTERM, SIGINT}) {
    for (const auto& mode : modes()) {
      CAPTURE(mode);
      CAPTURE(sig);
      ServerProcess server({"--mode", mode});
      LineClient idle(server.port());
      LineClient busy(server.port());
      REQUIRE(round_trip(idle, "hello"));
      REQUIRE(round_trip(busy, "hello"));
      busy.send("sent just before the end\nand a partial");
      std::this_thread::sleep_for(100ms);  // let it arrive
      const auto start = std::chrono::steady_clock::now();
      CHECK(server.stop(sig, 10s) == 0);
      CHECK(std::chrono::steady_clock::now() - start < 4s);
      CHECK(busy.read_lines(2) == std::vector<std::string>{"SENT JUST BEFORE THE END", "AND A PARTIAL"});
      CHECK(busy.wait_closed(1s));
      CHECK(idle.wait_closed(1s));
      const std::string log = server.stderr_text();
      // In: 2 x "hello\n" + 25 + 13 bytes. Out: the same, plus the LF after the partial line.
      CHECK(log.find("connections: 2 served, 0 rejected; lines: 4; bytes in: 50; bytes out: 51") != std::string::npos);
      CHECK(echo::child_pids(server.pid()).empty());
    }
  }
}

TEST_CASE("stop cuts a client that never reads its replies, within the drain time") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient stuck(server.port());
    std::thread sender([&] {
      try {
        std::string lines;
        for (int i = 0; i < 200000; ++i) lines += "never read this reply\n";
        stuck.send(lines);  // blocks once both directions' buffers are full
      } catch (const std::exception&) {
      }
    });
    std::this_thread::sleep_for(300ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK(server.stop(SIGTERM, 10s) == 0);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    shutdown(stuck.fd(), SHUT_RDWR);
    sender.join();
  }
}

TEST_CASE("out of file descriptors: no busy loop, and serving resumes when descriptors free up") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    // 40 descriptors: stdio, the listener and a few internals leave room for ~30 connections.
    ServerProcess server({"--mode", mode, "--workers", "2", "--log-level", "error"}, "echo-server", 40);
    std::vector<std::unique_ptr<LineClient>> hogs;
    for (int i = 0; i < 60; ++i) hogs.push_back(std::make_unique<LineClient>(server.port()));
    std::this_thread::sleep_for(300ms);
    const double cpu_before = cpu_seconds(server.pid());
    std::this_thread::sleep_for(1s);
    CHECK(cpu_seconds(server.pid()) - cpu_before < 0.3);  // not spinning on accept()
    int served = 0;
    for (auto& hog : hogs) {
      hog->send("x\n");
      const auto reply = hog->read_line(500ms);
      served += reply == "X";
      CHECK((reply == "X" || reply == "ERR server busy" || !reply));
    }
    CHECK(served > 0);
    // The fork parent closes each connection once the child has it, so only the threaded and
    // event-loop backends hold a descriptor per connection and run out.
    if (mode != "fork") CHECK(served < 60);
    hogs.clear();
    CHECK(eventually([&] {
      LineClient again(server.port());
      return round_trip(again, "back in business");
    }));
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("command-line mistakes: one clear line on stderr, non-zero exit") {
  auto unknown_mode = run_program({"echo-server", "--mode", "threads"}, "", 10s);
  CHECK(unknown_mode.exit_code != 0);
  CHECK(unknown_mode.err.find("--mode") != std::string::npos);
  CHECK(std::count(unknown_mode.err.begin(), unknown_mode.err.end(), '\n') == 1);

  auto bad_number = run_program({"echo-server", "--max-line", "lots"}, "", 10s);
  CHECK(bad_number.exit_code != 0);
  CHECK(bad_number.err.find("--max-line") != std::string::npos);

  auto unknown_option = run_program({"echo-server", "--colour"}, "", 10s);
  CHECK(unknown_option.exit_code != 0);

  ServerProcess first({"--mode", "coro"});
  auto port_in_use = run_program({"echo-server", "--port", std::to_string(first.port())}, "", 10s);
  CHECK(port_in_use.exit_code != 0);
  CHECK(port_in_use.err.find("Address already in use") != std::string::npos);
  CHECK(port_in_use.out.empty());  // no ready line

  auto help = run_program({"echo-server", "--help"}, "", 10s);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--list-modes") != std::string::npos);
  for (const auto& mode : modes()) {
    CHECK(help.out.find(mode) != std::string::npos);
    // --max-connections' defaults come from the registry too.
    CHECK(help.out.find(mode + " " + std::to_string(default_max_connections(mode))) != std::string::npos);
  }
  auto version = run_program({"echo-server", "--version"}, "", 10s);
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("echo-server") != std::string::npos);
}

TEST_CASE("--list-modes: one mode per line, each one that --mode takes, and =tsv adds the default limit") {
  const auto names = run_program({"echo-server", "--list-modes"}, "", 10s);
  CHECK(names.exit_code == 0);
  CHECK(names.err.empty());
  std::string expected;
  for (const auto& mode : modes()) expected += mode + "\n";
  CHECK(names.out == expected);
  CHECK(std::find(modes().begin(), modes().end(), "coro") != modes().end());  // the default mode
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    CHECK(default_max_connections(mode) > 0);
    CHECK(mode.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos);  // safe in scripts
  }
  const auto bad = run_program({"echo-server", "--list-modes=xml"}, "", 10s);
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
}

// docker-compose.yml cannot ask echo-server for its modes: this test notices a mode without a service.
TEST_CASE("docker-compose.yml has a service running every mode") {
  std::ifstream file(ECHO_TESTS_DIR "/../docker-compose.yml");
  REQUIRE(file);
  const std::string compose((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    CHECK(compose.find("\n  " + mode + ":\n") != std::string::npos);
    CHECK(compose.find("\"--mode\", \"" + mode + "\"") != std::string::npos);
  }
}

// Root ignores RLIMIT_NPROC, so the kernel refusing a process or a thread is injected instead.
TEST_CASE("fork() or a new thread refused: that client gets ERR server busy, the next ones are served") {
  struct Fault {
    std::string mode, variable;
  };
  for (const Fault& fault : {Fault{"fork", "ECHO_FAIL_FORK"}, Fault{"thread", "ECHO_FAIL_PTHREAD_CREATE"}}) {
    const std::string& mode = fault.mode;
    CAPTURE(mode);
    // The second call fails. (Under TSan the runtime's own thread is the first pthread_create, so
    // there the first client is refused: look for the refused one rather than assume which.)
    // Two places: a refused client's place must come back, or the last client would be busy.
    const auto server = start_failing({"--mode", mode, "--max-connections", "2"}, fault.variable, "2");
    std::vector<std::unique_ptr<LineClient>> served;
    bool refused = false;
    while (!refused && served.size() < 2) {
      auto client = std::make_unique<LineClient>(server->port());
      const auto said = client->read_line(1s);  // a served client is silent until it asks
      if (said) {
        CHECK(said == "ERR server busy");
        CHECK(client->wait_closed());
        refused = true;
      } else {
        REQUIRE(round_trip(*client, "hello"));
        served.push_back(std::move(client));
      }
    }
    REQUIRE(refused);
    // The server goes on serving: those already in, and those who come next.
    for (auto& client : served) CHECK(round_trip(*client, "still here"));
    while (served.size() < 2) {
      served.push_back(std::make_unique<LineClient>(server->port()));
      CHECK(round_trip(*served.back(), "served as usual"));
    }
    served.clear();
    CHECK(server->stop() == 0);
    CHECK(server->stderr_text().find("connections: 2 served, 1 rejected;") != std::string::npos);
  }
}
