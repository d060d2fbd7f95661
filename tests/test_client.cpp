// echo-client end to end: the pipe mode against the real server, and the ways it must fail.
#include <doctest/doctest.h>
#include <unistd.h>

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
