// echo-client end to end: the pipe mode against the real server, and the ways it must fail.
#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <algorithm>
#include <string>

#include "net.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {

// A port where nothing listens: bound and released a moment ago.
unsigned short closed_port() {
  const echo::Listener l = echo::listen_tcp("127.0.0.1", 0);
  close(l.fd);
  return l.port;
}

}  // namespace

TEST_CASE("echo-client in a pipe sends every line and prints every reply in order") {
  ServerProcess server({"--mode", "coro"});
  const auto r = run_program({"echo-client", "--port", std::to_string(server.port())}, "a\nb\n", 10s);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "A\nB\n");
  CHECK(r.err.empty());
}

TEST_CASE("echo-client answers a last line without LF and pipelines many lines") {
  ServerProcess server({"--mode", "thread"});
  std::string input, expected;
  for (int i = 0; i < 20000; ++i) {
    input += "line " + std::to_string(i) + "\n";
    expected += "LINE " + std::to_string(i) + "\n";
  }
  input += "no lf";
  expected += "NO LF\n";
  const auto r = run_program({"echo-client", "--port", std::to_string(server.port())}, input, 15s);
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected);
}

TEST_CASE("echo-client says clearly when it cannot connect") {
  const auto r = run_program({"echo-client", "--port", std::to_string(closed_port())}, "a\n", 10s);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot connect to 127.0.0.1:") != std::string::npos);
  CHECK(r.err.find("Connection refused") != std::string::npos);
}

TEST_CASE("echo-client prints the server's ERR line and fails when lines go unanswered") {
  ServerProcess server({"--mode", "coro", "--max-line", "16"});
  const auto r = run_program({"echo-client", "--port", std::to_string(server.port())},
                             "ok\n" + std::string(100, 'x') + "\nnever answered\n", 10s);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "OK\nERR line too long\n");
  CHECK(r.err.find("ERR line too long") != std::string::npos);
}

TEST_CASE("echo-client rejects a bad option in one line") {
  const auto r = run_program({"echo-client", "--port", "99999"}, "", 10s);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--port") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("echo-client on a terminal: a >>> prompt, UTF-8 kept, Ctrl-D quits with 0") {
  ServerProcess server({"--mode", "coro"});
  const std::string client = (binary_dir() / "echo-client").string();
  const std::string port = std::to_string(server.port());
  const auto home = std::filesystem::temp_directory_path() / ("echo-client-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(home);  // the history file goes there, not in the real HOME
  int terminal = -1;
  const pid_t pid = forkpty(&terminal, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("LANG", "C.UTF-8", 1);
    setenv("HOME", home.c_str(), 1);
    setenv("TERM", "dumb", 1);
    execl(client.c_str(), "echo-client", "--port", port.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string screen;
  // Reads what the client shows until `wanted` appears (or 5 s pass).
  auto wait_for = [&](const std::string& wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (screen.find(wanted) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{terminal, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = read(terminal, buf, sizeof buf);
      if (n <= 0) break;
      screen.append(buf, static_cast<std::size_t>(n));
    }
    return screen.find(wanted) != std::string::npos;
  };
  CHECK(wait_for(">>> "));
  const std::string typed = "hello w\xc3\xb6rld\r";  // Enter on a terminal is CR
  CHECK(write(terminal, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
  CHECK(wait_for("HELLO W\xc3\xb6RLD"));
  // Ctrl-D at the next prompt, once libedit reads keys one by one (the terminal out of canonical
  // mode). Typed before that, the line discipline turns it into an end-of-file marker that
  // libedit never sees; a person is never that fast.
  screen.erase(0, screen.find("HELLO"));
  CHECK(wait_for(">>> "));
  termios mode{};
  for (int i = 0; i < 500 && tcgetattr(terminal, &mode) == 0 && (mode.c_lflag & ICANON); ++i) usleep(10000);
  CHECK(write(terminal, "\x04", 1) == 1);
  int status = -1;
  for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(100000);
  if (!WIFEXITED(status)) {  // still running: that is the failure; do not leave it behind
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  INFO("the terminal showed: " << screen);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  close(terminal);
  std::filesystem::remove_all(home);
}
