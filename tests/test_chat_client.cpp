// echo-client and echo-bench chat against the real echo-server --chat: two people chatting on
// real terminals (ptys), the pipe mode, and the bench's zero-error run on every mode.
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
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "line_client.hpp"
#include "modes.hpp"
#include "process.hpp"
#include "json_number.hpp"

using namespace echo::test;

namespace {

// echo-client on a pseudo-terminal of its own: what a person at a terminal sees and types.
class Terminal {
 public:
  explicit Terminal(unsigned short port) {
    home_ = std::filesystem::temp_directory_path() / ("echo-chat-test-" + std::to_string(getpid()) + "-" + std::to_string(port) +
                                                      "-" + std::to_string(counter_++));
    std::filesystem::create_directories(home_);  // the history file goes there, not in the real HOME
    const std::string client = (binary_dir() / "echo-client").string();
    const std::string port_text = std::to_string(port);
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      setenv("LANG", "C.UTF-8", 1);
      setenv("HOME", home_.c_str(), 1);
      setenv("TERM", "xterm", 1);
      execl(client.c_str(), "echo-client", "--port", port_text.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
    std::filesystem::remove_all(home_);
  }
  bool started() const { return pid_ > 0; }

  // Reads what the terminal shows until `wanted` appears after `from` (or 5 s pass).
  bool wait_for(const std::string& wanted, std::size_t from = 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (screen_.find(wanted, from) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      screen_.append(buf, static_cast<std::size_t>(n));
    }
    return screen_.find(wanted, from) != std::string::npos;
  }
  // Keys typed one by one, once libedit reads them so (the terminal out of canonical mode).
  void type(const std::string& keys) {
    termios mode{};
    for (int i = 0; i < 500 && tcgetattr(fd_, &mode) == 0 && (mode.c_lflag & ICANON); ++i) usleep(10000);
    CHECK(write(fd_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }
  // Waits for the client to exit; its status, or -1 if it had to be killed.
  int exit_status() {
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(100000);
    }
    return -1;
  }
  const std::string& screen() const { return screen_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path home_;
  int fd_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
};

}  // namespace

TEST_CASE("two people chatting on terminals: the other's line appears above a half-typed line, which stays intact") {
  ServerProcess server({"--mode", "coro", "--chat"});
  Terminal alice(server.port()), bob(server.port());
  REQUIRE(alice.started());
  REQUIRE(bob.started());
  REQUIRE(alice.wait_for(">>> "));
  REQUIRE(bob.wait_for(">>> "));
  alice.type("half typ");  // Alice is typing, not done yet...
  REQUIRE(alice.wait_for("half typ"));
  const std::size_t before = alice.screen().size();
  bob.type("hello alice\r");  // ...when Bob says something
  INFO("alice's terminal: " << alice.screen());
  CHECK(alice.wait_for(": HELLO ALICE", before));
  const std::size_t message = alice.screen().find(": HELLO ALICE", before);
  // Below the message: the prompt again, with Alice's half-typed line as she left it.
  CHECK(alice.wait_for(">>> half typ", message));
  alice.type("ed\r");  // she finishes it: what goes out is what she typed, whole
  CHECK(bob.wait_for(": HALF TYPED"));
  CHECK(alice.wait_for(": HALF TYPED", message));
  alice.type("\x04");  // Ctrl-D at an empty prompt quits
  CHECK(alice.exit_status() == 0);
  bob.type("junk");
  REQUIRE(bob.wait_for("junk"));
  bob.type("\x03");  // Ctrl-C drops it: else "junk/quit" would go out as a message, and Bob would stay
  CHECK(bob.wait_for("^C"));
  bob.type("/quit\r");  // /quit: the server closes, and that is no error
  CHECK(bob.exit_status() == 0);
}

TEST_CASE("echo-client --chat in a pipe sends every line, prints what arrives, and exits 0 when the server closes") {
  ServerProcess server({"--mode", "coro", "--chat"});
  LineClient listener(server.port());
  const auto r = run_program({"echo-client", "--chat", "--port", std::to_string(server.port())}, "hello\nsecond\n", 10s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto hello = r.out.find(": HELLO\n"), second = r.out.find(": SECOND\n");
  CHECK(hello != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(hello < second);
  // Someone else in the lobby got them too.
  bool heard = false;
  for (int i = 0; i < 10 && !heard; ++i)
    if (const auto line = listener.read_line(2s)) heard = line->find(": SECOND") != std::string::npos;
  CHECK(heard);
}

TEST_CASE("echo-bench chat finds no error on a healthy server, in every mode") {
  for (const auto& mode : kModes) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--chat", "--workers", "2"});
    const auto r = run_program({"echo-bench", "chat", "--port", std::to_string(server.port()), "-c", "24", "--rooms", "3",
                                "--senders", "6", "-p", "4", "-d", "1", "--warmup", "0.2", "--json", "-q"},
                               "", 60s);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(json_number(r.out, "errors") == 0);
    CHECK(json_number(r.out, "messages") > 0);
    CHECK(json_number(r.out, "deliveries") == json_number(r.out, "deliveries_expected"));
    CHECK(json_number(r.out, "deliveries") == 8 * json_number(r.out, "messages"));  // rooms of 8
    CHECK(server.stop() == 0);  // SIGTERM: it stops cleanly after the load, every process with it
  }
}

TEST_CASE("echo-bench chat open loop holds its rate with no error") {
  ServerProcess server({"--mode", "coro", "--chat"});
  const auto r = run_program({"echo-bench", "chat", "--port", std::to_string(server.port()), "-c", "50", "--senders", "5",
                              "--rate", "500", "-d", "2", "--warmup", "0.2", "--json", "-q"},
                             "", 60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "messages_per_s") == doctest::Approx(500).epsilon(0.1));
}

TEST_CASE("compare --chat on two modes writes the chat table, the JSON and the chart") {
  const auto dir = std::filesystem::temp_directory_path() / ("echo-compare-chat-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  const auto r = run_program({"echo-bench", "compare", "--chat", "--modes", "coro,fork", "-c", "4,12", "--senders", "2",
                              "-d", "0.5", "--warmup", "0.1", "--out", dir.string()},
                             "", 120s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("| server | clients | members/room | messages/s | delivered/s") != std::string::npos);
  for (const char* row : {"| coro | 4 | 4 |", "| coro | 12 | 12 |", "| fork | 4 | 4 |", "| fork | 12 | 12 |"})
    CHECK_MESSAGE(r.out.find(row) != std::string::npos, row);
  std::ifstream json(dir / "results.json");
  const std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"chat\":true") != std::string::npos);
  CHECK(text.find("\"cpu_us_per_delivery\":") != std::string::npos);
  CHECK(std::regex_search(text, std::regex("\"errors\":0,")));
  CHECK_FALSE(std::regex_search(text, std::regex("\"errors\":[1-9]")));  // no point with an error
  CHECK(std::filesystem::exists(dir / "data" / "fork-chat.dat"));
  if (system("command -v gnuplot >/dev/null") == 0) CHECK(std::filesystem::exists(dir / "chart.png"));
  std::filesystem::remove_all(dir);
}
