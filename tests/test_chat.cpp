// echo-server --chat end to end, in every mode, over loopback: SPEC.md "Chat" as clients see it.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "line_client.hpp"
#include "modes.hpp"
#include "proc_info.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {

// A chat member: connects and reads its own join notice, which tells it its name.
struct Member {
  explicit Member(unsigned short port) : client(std::make_unique<LineClient>(port)) {
    const auto joined = client->read_line();
    REQUIRE(joined);
    REQUIRE(joined->rfind("* guest-", 0) == 0);
    name = joined->substr(2, joined->size() - 2 - std::string(" joined").size());
  }
  void send(const std::string& line) { client->send(line + "\n"); }
  std::optional<std::string> read() { return client->read_line(); }
  std::vector<std::string> read(std::size_t n, std::chrono::milliseconds t = 20s) { return client->read_lines(n, t); }
  std::unique_ptr<LineClient> client;
  std::string name;
};

// n members in the lobby, each having read every join notice up to the last one's.
std::vector<std::unique_ptr<Member>> lobby(unsigned short port, std::size_t n) {
  std::vector<std::unique_ptr<Member>> members;
  for (std::size_t i = 0; i < n; ++i) {
    members.push_back(std::make_unique<Member>(port));
    for (std::size_t j = 0; j < i; ++j) REQUIRE(members[j]->read() == "* " + members[i]->name + " joined");
  }
  return members;
}

std::vector<std::string> server_args(const std::string& mode, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--mode", mode, "--chat", "--workers", "2"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Each of `senders` sends `per_sender` numbered messages at once from its own thread while
// every member reads them; every member must see the identical sequence, each sender's in order.
void check_one_order(std::vector<std::unique_ptr<Member>>& members, std::size_t senders, int per_sender) {
  const std::size_t total = senders * static_cast<std::size_t>(per_sender);
  std::vector<std::vector<std::string>> seen(members.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < members.size(); ++i) threads.emplace_back([&, i] { seen[i] = members[i]->read(total, 60s); });
  std::vector<std::thread> sending;
  for (std::size_t s = 0; s < senders; ++s)
    sending.emplace_back([&, s] {
      std::string burst;
      for (int k = 0; k < per_sender; ++k) burst += "msg " + std::to_string(k) + "\n";
      members[s]->client->send(burst);
    });
  for (auto& t : sending) t.join();
  for (auto& t : threads) t.join();
  REQUIRE(seen[0].size() == total);
  for (std::size_t i = 1; i < members.size(); ++i) CHECK(seen[i] == seen[0]);
  for (std::size_t s = 0; s < senders; ++s) {
    int next = 0;
    for (const auto& line : seen[0])
      if (line.rfind(members[s]->name + ": ", 0) == 0) CHECK(line == members[s]->name + ": MSG " + std::to_string(next++));
    CHECK(next == per_sender);
  }
}

// Asks /who; the answer (notices before it skipped), or nullopt once the server closed.
std::optional<std::string> who(Member& m) {
  try {
    m.send("/who");
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (;;) {
    auto line = m.read();
    if (!line || line->rfind("* in ", 0) == 0) return line;
  }
}

// Gone, or a zombie waiting for a reaper.
bool exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const auto paren = text.rfind(')');
  return paren == std::string::npos || text.substr(paren + 2, 1) == "Z";
}

}  // namespace

TEST_CASE("chat: names, commands, errors and notices, in every mode") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode));
    auto m = lobby(server.port(), 2);
    Member& a = *m[0];
    Member& b = *m[1];
    a.send("/nick alice");
    CHECK(a.read() == "* you are now alice");
    b.send("/nick alice");
    CHECK(b.read() == "* error: the name alice is taken");
    b.send("/nick no way");
    CHECK(b.read() == "* error: usage: /nick NAME");
    b.send("/nick b@d");
    CHECK(b.read() == "* error: a name is 1-32 of A-Z a-z 0-9 _ -");
    b.send("/dance");
    CHECK(b.read() == "* error: unknown command /dance; try /nick NAME, /join ROOM, /who, /quit");
    a.send("hello there");
    CHECK(a.read() == "alice: HELLO THERE");
    CHECK(b.read() == "alice: HELLO THERE");
    b.send("/who");
    CHECK(b.read() == "* in lobby: alice " + b.name);
    b.send("/join side");
    CHECK(b.read() == "* " + b.name + " joined");
    CHECK(a.read() == "* " + b.name + " left");
    a.send("only the lobby");
    CHECK(a.read() == "alice: ONLY THE LOBBY");
    b.send("/who");
    CHECK(b.read() == "* in side: " + b.name);  // it did not get the lobby's message
    Member c(server.port());  // a newcomer is in the lobby, not in side
    CHECK(a.read() == "* " + c.name + " joined");
    a.send("/quit");
    CHECK(a.read() == "* bye");
    CHECK(a.client->wait_closed());
    CHECK(c.read() == "* alice left");
    CHECK(server.stop() == 0);
    const std::string log = server.stderr_text();
    CHECK(log.find("chat messages: 2;") != std::string::npos);
    CHECK(log.find("slow members dropped: 0") != std::string::npos);
  }
}

TEST_CASE("chat: concurrent senders - every member sees one order, each sender's messages in order") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode));
    auto members = lobby(server.port(), 6);
    check_one_order(members, 3, 300);
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("chat: members in different hybrid workers see the same order") {
  // reuseport spreads connections by a hash of their ports: 16 members land on both workers.
  ServerProcess server({"--mode", "hybrid", "--chat", "--workers", "2", "--listener", "reuseport"});
  REQUIRE(eventually([&] { return echo::child_pids(server.pid()).size() == 2; }, 5s));
  auto members = lobby(server.port(), 16);
  check_one_order(members, 4, 200);
  CHECK(server.stop() == 0);
  const std::string log = server.stderr_text();
  const auto at = log.find("connections per worker: ");
  REQUIRE(at != std::string::npos);
  unsigned first = 0, second = 0;
  REQUIRE(std::sscanf(log.c_str() + at, "connections per worker: %u %u", &first, &second) == 2);
  CHECK(first + second == 16);
  CHECK(first > 0);  // members really lived in two processes
  CHECK(second > 0);
}

TEST_CASE("chat: a reader that never reads is cut off past --max-backlog while the others get everything") {
  // 12 MB to each member: far past what the kernel's buffers and a 256 KiB backlog hold.
  constexpr int kMessages = 3000;
  constexpr int kMaxLag = 32;  // the sender waits for the readers: only the slow one falls behind
  const std::string text(4000, 'x');
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode, {"--max-backlog", "262144"}));
    auto m = lobby(server.port(), 3);  // [0] sends and reads, [1] reads, [2] never reads
    int small = 4096;
    setsockopt(m[2]->client->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::atomic<int> received[2] = {0, 0};
    std::vector<std::string> last(2);
    std::atomic<bool> saw_left[2] = {false, false};
    const std::string slow_left = "* " + m[2]->name + " left";
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i)
      readers.emplace_back([&, i] {
        while (received[i] < kMessages || !saw_left[i]) {
          const auto line = m[i]->client->read_line(20s);
          if (!line) return;
          if (*line == slow_left) {
            saw_left[i] = true;
            continue;
          }
          last[i] = *line;
          ++received[i];
        }
      });
    bool sent_all = true;
    for (int k = 0; k < kMessages && sent_all; ++k) {
      while (std::min(received[0].load(), received[1].load()) < k - kMaxLag) std::this_thread::sleep_for(1ms);
      try {
        m[0]->send(std::to_string(k) + " " + text);
      } catch (const std::exception& e) {
        sent_all = false;
        FAIL_CHECK("sender: " << e.what());
      }
    }
    for (auto& t : readers) t.join();
    for (int i = 0; i < 2; ++i) {
      CHECK(received[i] == kMessages);
      CHECK(last[i] == m[0]->name + ": " + std::to_string(kMessages - 1) + " " + std::string(4000, 'X'));
      CHECK(saw_left[i]);  // the others saw it go
    }
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("slow members dropped: 1") != std::string::npos);
  }
}

TEST_CASE("chat: end of input delivers what was sent, then leaves and closes") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode));
    auto m = lobby(server.port(), 2);
    m[0]->client->send("one\ntwo");  // the last line has no LF
    m[0]->client->half_close();
    CHECK(m[0]->read(2) == std::vector<std::string>{m[0]->name + ": ONE", m[0]->name + ": TWO"});
    CHECK(m[0]->client->wait_closed());
    CHECK(m[1]->read(3) == std::vector<std::string>{m[0]->name + ": ONE", m[0]->name + ": TWO", "* " + m[0]->name + " left"});
  }
}

TEST_CASE("chat: SIGTERM delivers every accepted message, then closes, and exits 0") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode));
    auto m = lobby(server.port(), 2);
    std::string burst;
    for (int k = 0; k < 100; ++k) burst += "m" + std::to_string(k) + "\n";
    m[0]->client->send(burst);
    const auto own = m[0]->read(100);  // all 100 accepted (the sender had each back)
    REQUIRE(own.size() == 100);
    CHECK(server.stop() == 0);  // m[1] has read nothing yet
    const auto rest = m[1]->read(100);
    CHECK(rest == own);
    CHECK(m[1]->client->wait_closed());
    CHECK(server.stderr_text().find("chat messages: 100;") != std::string::npos);
  }
}

TEST_CASE("chat: the line limit, the idle limit and the connection limit hold as in echo") {
  for (const auto& mode : modes()) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode, {"--max-line", "16", "--idle-timeout", "2", "--max-connections", "2"}));
    auto m = lobby(server.port(), 2);
    LineClient over(server.port());
    CHECK(over.read_line() == "ERR server busy");
    m[0]->send("short\n" + std::string(40, 'y'));
    CHECK(m[0]->read() == m[0]->name + ": SHORT");
    CHECK(m[0]->read() == "ERR line too long");
    CHECK(m[0]->client->wait_closed());
    CHECK(m[1]->read(2) == std::vector<std::string>{m[0]->name + ": SHORT", "* " + m[0]->name + " left"});
    // Silent for 2 s: told so, and closed.
    CHECK(m[1]->client->read_line(5s) == "ERR idle timeout");
    CHECK(m[1]->client->wait_closed());
  }
}

TEST_CASE("chat: bad option values get a clear error, and --help shows the chat options") {
  const auto help = run_program({"echo-server", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--chat") != std::string::npos);
  CHECK(help.out.find("--max-backlog") != std::string::npos);
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--chat", "--max-backlog", "0"}, {"--chat", "--max-backlog", "lots"}, {"--max-backlog", "4096"},
           {"--chat", "--framing", "raw"}}) {
    std::vector<std::string> argv{"echo-server", "--port", "0"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    const auto run = run_program(argv, "", 10s);
    CAPTURE(run.err);
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("max-backlog") + run.err.find("chat") != 2 * std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  }
}

TEST_CASE("chat: a hybrid worker killed with SIGKILL - its members leave, the others go on") {
  ServerProcess server({"--mode", "hybrid", "--chat", "--workers", "2", "--listener", "reuseport"});
  REQUIRE(eventually([&] { return echo::child_pids(server.pid()).size() == 2; }, 5s));
  auto members = lobby(server.port(), 12);
  const auto workers = echo::child_pids(server.pid());
  kill(workers.front(), SIGKILL);
  // Those on the dead worker are closed; the others still answer.
  std::vector<std::size_t> alive;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (who(*members[i])) alive.push_back(i);
  REQUIRE_FALSE(alive.empty());
  REQUIRE(alive.size() < members.size());
  // The hub saw the worker go: the room holds the survivors only.
  Member& survivor = *members[alive.front()];
  CHECK(eventually([&] {
    const auto names = who(survivor);
    return names && static_cast<std::size_t>(std::count(names->begin(), names->end(), ' ')) == 2 + alive.size();  // "* in lobby: " then the names
  }));
  Member newcomer(server.port());  // and it goes on
  newcomer.send("/who");
  CHECK(newcomer.read().has_value());
  CHECK(server.stop() == 0);
}

TEST_CASE("chat: fork and hybrid - members are closed, not left hanging, when the hub's process dies") {
  for (const std::string mode : {"fork", "hybrid"}) {
    CAPTURE(mode);
    ServerProcess server(server_args(mode));
    auto m = lobby(server.port(), 2);
    m[0]->send("hi");
    REQUIRE(m[1]->read() == m[0]->name + ": HI");
    const auto children = echo::child_pids(server.pid());
    kill(server.pid(), SIGKILL);  // the parent and its hub thread are gone at once
    for (auto& member : m) {  // whatever was still on its way, then the close
      while (member->client->read_line(5s)) {
      }
      CHECK(member->client->last_error() != "timeout");
    }
    for (const pid_t child : children)  // and the children finish (orphans now: whoever reaps them)
      CHECK(eventually([&] { return exited(child); }, 5s));
  }
}
