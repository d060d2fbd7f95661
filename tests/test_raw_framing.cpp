// --framing raw end to end: the seeds' own protocol (no lines; every chunk read is answered at
// once, transformed), on the real echo-server in every mode.

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "line_client.hpp"
#include "modes.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {
std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}
}  // namespace

TEST_CASE("a client written the seeds' way (send without newline, recv(1024)) is answered by every mode") {
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--framing", "raw"});
    const auto run = run_program({"/usr/bin/env", "python3", ECHO_TESTS_DIR "/seeds_client.py", std::to_string(server.port()), "hello",
                                  "w\xc3\xb6rld 42", "x"},
                                 "", 20s);
    CHECK(run.exit_code == 0);
    CHECK(run.out == "HELLO\nW\xc3\xb6RLD 42\nX\n");
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("raw framing: a megabyte without framing comes back byte for byte, with no line limit") {
  std::string request;
  for (int i = 0; request.size() < (1u << 20); ++i) request += "chunk " + std::to_string(i) + (i % 7 ? " " : "\n");
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--framing", "raw", "--max-line", "16"});
    LineClient client(server.port());
    std::thread sender([&] { client.send(request); });  // read while sending, or both sides block
    const std::string reply = client.read_bytes(request.size(), 20s);
    sender.join();
    CHECK(reply.size() == request.size());
    CHECK(reply == upper(request));
    client.half_close();
    CHECK(client.wait_closed());
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("bytes in: " + std::to_string(request.size()) + "; bytes out: " +
                                    std::to_string(request.size())) != std::string::npos);
  }
}

TEST_CASE("raw framing: end of input gets every byte answered, then the server closes") {
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--framing", "raw"});
    LineClient client(server.port());
    client.send("no newline at all");
    client.half_close();
    CHECK(client.read_bytes(17) == "NO NEWLINE AT ALL");
    CHECK(client.wait_closed());
  }
}

TEST_CASE("raw framing keeps the limits: idle timeout and server busy end with an ERR line") {
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--framing", "raw", "--idle-timeout", "0.3", "--max-connections", "1"});
    LineClient first(server.port());
    first.send("ok");
    CHECK(first.read_bytes(2) == "OK");
    LineClient second(server.port());
    CHECK(second.read_line() == "ERR server busy");
    CHECK(second.wait_closed());
    CHECK(first.read_line(3s) == "ERR idle timeout");
    CHECK(first.wait_closed());
  }
}

TEST_CASE("raw framing: SIGTERM answers what was sent, then the server exits 0 with exact totals") {
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--framing", "raw"});
    LineClient client(server.port());
    client.send("abc");
    CHECK(client.read_bytes(3) == "ABC");
    client.send("defg");
    std::this_thread::sleep_for(100ms);  // let the server read it before the stop
    CHECK(server.stop() == 0);
    CHECK(client.read_bytes(4) == "DEFG");
    CHECK(client.wait_closed());
    CHECK(server.stderr_text().find("bytes in: 7; bytes out: 7") != std::string::npos);
  }
}

TEST_CASE("echo-client --framing raw sends its input as it is and prints what comes back") {
  ServerProcess server({"--framing", "raw"});
  const auto run = run_program({"echo-client", "--port", std::to_string(server.port()), "--framing", "raw"},
                               "two\nlines, last without LF");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "TWO\nLINES, LAST WITHOUT LF");
}

TEST_CASE("echo-bench run --framing raw checks every byte of raw replies") {
  ServerProcess server({"--framing", "raw"});
  const std::string port = std::to_string(server.port());
  const auto good = run_program({"echo-bench", "run", "--port", port, "--framing", "raw", "-c", "4", "-p", "3", "-s",
                                 "100", "-n", "3000", "--json", "-q"});
  CHECK(good.exit_code == 0);
  CHECK(good.out.find("\"framing\":\"raw\"") != std::string::npos);
  CHECK(good.out.find("\"errors\":0,") != std::string::npos);

  ServerProcess echoing({"--framing", "raw", "--transform", "echo"});  // wrong bytes: every reply a mismatch
  const auto bad = run_program({"echo-bench", "run", "--port", std::to_string(echoing.port()), "--framing", "raw",
                                "-c", "2", "-n", "100", "--json", "-q"});
  CHECK(bad.exit_code == 3);
  CHECK(bad.out.find("\"requests\":0,") != std::string::npos);
}
