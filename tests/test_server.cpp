// echo-server end to end: the real binary in every mode, over loopback. The protocol as
// SPEC.md states it, as a client sees it.

#include <doctest/doctest.h>

#include <thread>

#include "line_client.hpp"
#include "modes.hpp"
#include "process.hpp"

using namespace echo::test;

TEST_CASE("every mode answers upper-cased lines, byte for byte") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    CHECK(server.ready_line() == "listening on 127.0.0.1:" + std::to_string(server.port()));
    LineClient client(server.port());
    client.send("hello\r\n\ngr\xc3\xbc\xc3\x9f dich 123\n");
    CHECK(client.read_lines(3) == std::vector<std::string>{"HELLO\r", "", "GR\xc3\xbc\xc3\x9f DICH 123"});
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("--transform echo sends lines back unchanged") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--transform", "echo"});
    LineClient client(server.port());
    client.send("MiXeD case\n");
    CHECK(client.read_line() == "MiXeD case");
  }
}

TEST_CASE("20,000 pipelined lines are all answered, in order") {
  constexpr int kLines = 20000;
  std::string request, expected;
  for (int i = 0; i < kLines; ++i) {
    request += "line number " + std::to_string(i) + "\n";
    expected += "LINE NUMBER " + std::to_string(i) + "\n";
  }
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient client(server.port());
    // Send from another thread: the replies must be read while we send, or both sides block.
    std::thread sender([&] { client.send(request); });
    const auto lines = client.read_lines(kLines, 20s);
    sender.join();
    REQUIRE(lines.size() == kLines);
    std::string joined;
    for (const auto& l : lines) joined += l + "\n";
    CHECK(joined == expected);
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("lines: 20000;") != std::string::npos);
  }
}

TEST_CASE("a line split over many writes is answered once it is whole") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient client(server.port());
    for (const char* piece : {"spl", "it ", "li", "ne\nsecond", " one\n"}) {
      client.send(piece);
      std::this_thread::sleep_for(10ms);
    }
    CHECK(client.read_lines(2) == std::vector<std::string>{"SPLIT LINE", "SECOND ONE"});
  }
}

TEST_CASE("100 concurrent clients are each answered their own lines") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--workers", "2"});
    std::vector<std::unique_ptr<LineClient>> clients;
    for (int i = 0; i < 100; ++i) clients.push_back(std::make_unique<LineClient>(server.port()));
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < clients.size(); ++i) clients[i]->send("client " + std::to_string(i) + " round " + std::to_string(round) + "\n");
      int correct = 0;
      for (std::size_t i = 0; i < clients.size(); ++i)
        correct += clients[i]->read_line() == "CLIENT " + std::to_string(i) + " ROUND " + std::to_string(round);
      CHECK(correct == 100);
    }
    clients.clear();
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("connections: 100 served") != std::string::npos);
  }
}

TEST_CASE("idle connections do not starve a new client (pool: 2 workers, 16 idle connections)") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--workers", "2"});
    std::vector<std::unique_ptr<LineClient>> idle;
    for (int i = 0; i < 16; ++i) {
      idle.push_back(std::make_unique<LineClient>(server.port()));
      idle.back()->send("half a line, never finished");
    }
    LineClient fresh(server.port());
    const auto start = std::chrono::steady_clock::now();
    fresh.send("are you there?\n");
    CHECK(fresh.read_line(2s) == "ARE YOU THERE?");
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
}

TEST_CASE("half-close: every line is answered, a last line without LF too, then the server closes") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient client(server.port());
    client.send("first\nsecond\nno newline at the end");
    client.half_close();
    CHECK(client.read_lines(3) == std::vector<std::string>{"FIRST", "SECOND", "NO NEWLINE AT THE END"});
    CHECK(client.wait_closed());
  }
}

TEST_CASE("the line limit: earlier lines answered, then ERR line too long, then close") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--max-line", "16"});
    LineClient client(server.port());
    client.send(std::string(16, 'a') + "\n");  // exactly the limit: fine
    CHECK(client.read_line() == std::string(16, 'A'));
    client.send("ok\n" + std::string(17, 'b') + "\nnever answered\n");
    CHECK(client.read_lines(2) == std::vector<std::string>{"OK", "ERR line too long"});
    CHECK(client.wait_closed());
  }
}

TEST_CASE("a huge line without LF is refused while it is still arriving (default limit)") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode});
    LineClient client(server.port());
    std::thread sender([&] {
      try {
        client.send(std::string(1 << 20, 'z'));  // 1 MiB, no LF: the server must not wait for one
      } catch (const std::exception&) {  // the server may close before we finish: expected
      }
    });
    CHECK(client.read_line(5s) == "ERR line too long");
    CHECK(client.wait_closed());
    sender.join();
  }
}
