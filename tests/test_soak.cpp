// Soak: for each backend, churned and pipelined load from the real echo-bench at the same time,
// twice, and the server's descriptors, threads, processes and memory before and after each round.
// A leak grows from round to round; a cache (malloc arenas, asio's recycled frames) fills once
// and stays.
//
//   SOAK_SECONDS=30 build/release/test_soak     (seconds per round; default 20, CTest runs 3)
//   SOAK_MODES=fork,coro                        (default: every backend)
//   SOAK_RSS_GROWTH_KIB=2048                    (RSS growth allowed between the rounds; "off"
//                                                under sanitizers: ASan's quarantine keeps freed
//                                                memory resident on purpose, and LeakSanitizer
//                                                checks for leaks when the server exits instead)
//
// Fails on any error reply, zombie, descriptor/thread/process left over, or RSS growth.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "line_client.hpp"
#include "modes.hpp"
#include "proc_stats.hpp"
#include "process.hpp"

using namespace echo::test;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::vector<std::string> soak_modes() {
  const std::string asked = env_or("SOAK_MODES", "");
  std::vector<std::string> modes;
  if (asked.empty()) {
    for (const auto& mode : kModes) modes.emplace_back(mode);
    return modes;
  }
  for (std::size_t start = 0; start <= asked.size();) {
    const auto comma = std::min(asked.find(',', start), asked.size());
    if (comma > start) modes.push_back(asked.substr(start, comma - start));
    start = comma + 1;
  }
  return modes;
}

// A count from echo-bench's --json: the first "name": N is the top-level one.
std::optional<unsigned long long> json_count(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\" *: *([0-9]+)"))) return std::nullopt;
  return std::stoull(m[1]);
}

struct Load {
  std::string name;
  std::vector<std::string> args;
};

// Pipelined: 20 connections, 8 lines in flight each. Churned: a connection per request.
const std::vector<Load> kLoads{{"pipelined", {"-c", "20", "-p", "8"}}, {"churned", {"-c", "4", "--churn"}}};

// Runs both loads at once against the server; returns the requests served. Each load must get
// answers and no error.
unsigned long long run_round(unsigned short port, const std::string& seconds) {
  std::vector<std::future<RunResult>> runs;
  for (const Load& load : kLoads) {
    std::vector<std::string> argv{"echo-bench", "run", "--port", std::to_string(port), "-d", seconds, "-t", "1",
                                  "--json"};
    argv.insert(argv.end(), load.args.begin(), load.args.end());
    runs.push_back(std::async(std::launch::async, [argv] { return run_program(argv, "", 120s); }));
  }
  unsigned long long served = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunResult r = runs[i].get();
    CAPTURE(kLoads[i].name);
    CAPTURE(r.err);
    const auto errors = json_count(r.out, "errors");
    const auto requests = json_count(r.out, "requests");
    CHECK(r.exit_code == 0);
    CHECK(errors.has_value());
    CHECK(errors.value_or(0) == 0);
    CHECK(requests.value_or(0) > 0);
    served += requests.value_or(0);
  }
  return served;
}

std::string row(const TreeStats& s) {
  char text[64];
  std::snprintf(text, sizeof text, "%zu %zu %zu %zu", s.fds, s.threads, s.processes, s.rss_kib);
  return text;
}

}  // namespace

TEST_CASE("soak: two rounds of pipelined and churned load leave nothing behind, in every mode") {
  const std::string seconds = env_or("SOAK_SECONDS", "20");
  REQUIRE_MESSAGE(std::strtod(seconds.c_str(), nullptr) > 0, "SOAK_SECONDS must be a number of seconds");
  const std::string rss_limit = env_or("SOAK_RSS_GROWTH_KIB", "2048");
  std::printf("%-7s %-28s %-28s %-28s %s\n", "mode", "before (fd thr proc rssKiB)", "after round 1", "after round 2",
              "requests (pipe+churn)");
  for (const std::string& mode : soak_modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--log-level", "warn"});
    std::this_thread::sleep_for(300ms);
    const TreeStats before = tree_stats(server.pid());
    std::vector<TreeStats> after;
    unsigned long long served = 0;
    for (int round = 1; round <= 2; ++round) {
      CAPTURE(round);
      served += run_round(server.port(), seconds);
      std::this_thread::sleep_for(1s);  // let the last sessions close and children be reaped
      after.push_back(tree_stats(server.pid()));
    }
    std::printf("%-7s %-28s %-28s %-28s %llu\n", mode.c_str(), row(before).c_str(), row(after[0]).c_str(),
                row(after[1]).c_str(), served);
    std::fflush(stdout);

    // Processes must be back where they started. Threads and descriptors are compared round to
    // round, with a little slack after the first: a pool worker's event loop opens its epoll,
    // eventfd and timerfd on its first connection, and TSan's runtime starts a thread of its own.
    // A per-connection leak would grow by hundreds from round to round.
    CHECK(after[1].processes == before.processes);
    CHECK(after[1].threads == after[0].threads);
    CHECK(after[0].threads <= before.threads + 1);
    CHECK(after[1].fds == after[0].fds);
    CHECK(after[0].fds <= before.fds + 3);
    CHECK(after[0].zombies == 0);
    CHECK(after[1].zombies == 0);
    if (rss_limit != "off") {
      CAPTURE(rss_limit);
      CHECK(after[1].rss_kib <= after[0].rss_kib + std::stoull(rss_limit));
    }
    CHECK(server.stop(SIGTERM) == 0);
  }
}

// Chat: rounds of members that join rooms, talk, and leave every way there is (/quit, end of
// input, reset, cut off as slow readers), against every backend; afterwards the server must hold
// what it held after the first round: no member, outbox, child or channel left behind.
namespace {

// A member cut off as a slow reader is closed: sending to it may fail, and that is fine here.
void send_if_open(LineClient& member, const std::string& bytes) {
  try {
    member.send(bytes);
  } catch (const std::exception&) {
  }
}

void chat_round(unsigned short port, int round) {
  constexpr int kMembers = 12;
  std::vector<std::unique_ptr<LineClient>> members;
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(std::make_unique<LineClient>(port));
    members.back()->send("/join room" + std::to_string(i % 3) + "\n/nick r" + std::to_string(round) + "m" +
                         std::to_string(i) + "\n");
  }
  std::string talk;
  for (int k = 0; k < 50; ++k) talk += "message " + std::to_string(k) + " " + std::string(200, 'z') + "\n";
  std::vector<std::thread> readers;
  for (int i = 0; i < kMembers; ++i) {
    if (i == kMembers - 1) continue;  // it never reads: cut off past --max-backlog
    readers.emplace_back([&, i] {
      const int senders = kMembers / 3;  // everyone in its room but the non-reader, roughly
      members[i]->read_lines(static_cast<std::size_t>(senders * 50), 3s);
    });
  }
  for (int i = 0; i < kMembers; ++i) send_if_open(*members[i], talk);
  for (auto& t : readers) t.join();
  for (int i = 0; i < kMembers; ++i) {
    if (i % 3 == 0) send_if_open(*members[i], "/quit\n");
    else if (i % 3 == 1) members[i]->half_close();
    else members[i]->reset();
  }
  for (int i = 0; i < kMembers; ++i)
    if (i % 3 != 2) members[i]->wait_closed(5s);
}

}  // namespace

TEST_CASE("soak: chat rounds leave nothing behind, in every mode") {
  const int rounds = std::max(2, static_cast<int>(std::strtod(env_or("SOAK_SECONDS", "20").c_str(), nullptr)));
  for (const std::string& mode : soak_modes()) {
    CAPTURE(mode);
    ServerProcess server({"--mode", mode, "--chat", "--max-backlog", "8192", "--log-level", "warn"});
    std::this_thread::sleep_for(300ms);
    const std::size_t processes = tree_stats(server.pid()).processes;  // hybrid's workers, or 1
    std::vector<TreeStats> after;
    for (int round = 1; round <= rounds; ++round) {
      CAPTURE(round);
      chat_round(server.port(), round);
      // The last sessions close (a lingering close takes 0.5 s) and fork's children are reaped.
      CHECK(eventually([&] { return tree_stats(server.pid()).processes == processes; }, 10s));
      std::this_thread::sleep_for(300ms);
      after.push_back(tree_stats(server.pid()));
    }
    std::printf("chat %-7s first round %-28s last round %s\n", mode.c_str(), row(after.front()).c_str(),
                row(after.back()).c_str());
    CHECK(after.back().processes == after.front().processes);
    CHECK(after.back().threads == after.front().threads);
    CHECK(after.back().fds == after.front().fds);
    CHECK(after.back().zombies == 0);
    CHECK(server.stop(SIGTERM) == 0);
    CHECK(server.stderr_text().find("slow members dropped: 0") == std::string::npos);
  }
}
