// echo-bench: its parts (histogram, payload check, CPU lists) and `run` / `compare` end to end.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "compare_report.hpp"
#include "cpu_set.hpp"
#include "histogram.hpp"
#include "json_writer.hpp"
#include "net.hpp"
#include "payload.hpp"
#include "process.hpp"
#include "run_result.hpp"
#include "json_number.hpp"

using namespace echo::bench;
using namespace std::chrono_literals;
// Only these two from the test support: its result type would meet echo::bench::RunResult.
using echo::test::run_program;
using echo::test::ServerProcess;
namespace fs = std::filesystem;

using echo::test::json_number;

namespace {

// A wrong server: echoes lines back unchanged, so an `upper` check fails on every reply.
class EchoingServer {
 public:
  EchoingServer() : listener_(echo::listen_tcp("127.0.0.1", 0)) {
    thread_ = std::thread([this] {
      while (true) {
        const int fd = accept(listener_.fd, nullptr, nullptr);
        if (fd < 0) return;  // the listener was shut down
        conns_.emplace_back([fd] {
          char buf[4096];
          for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
            if (write(fd, buf, static_cast<std::size_t>(n)) != n) break;
          close(fd);
        });
      }
    });
  }
  ~EchoingServer() {
    shutdown(listener_.fd, SHUT_RDWR);
    thread_.join();
    close(listener_.fd);
    for (auto& t : conns_) t.join();  // each ends when echo-bench closes its side
  }
  unsigned short port() const { return listener_.port; }

 private:
  echo::Listener listener_;
  std::thread thread_;
  std::vector<std::thread> conns_;
};

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("histogram keeps every value within 1%, from 1 µs to 60 s") {
  for (std::uint64_t v : {0ull, 1ull, 127ull, 255ull}) {  // exact below 256 ns
    CHECK(Histogram::bucket_low(Histogram::bucket_of(v)) == v);
    CHECK(Histogram::bucket_high(Histogram::bucket_of(v)) == v);
  }
  // Values ~1% apart over the whole range, and both sides of every power of two (a new exponent).
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 1000; v <= 60'000'000'000ull; v += v / 100 + 1) values.push_back(v);
  for (std::uint64_t p = 1024; p <= 60'000'000'000ull; p *= 2) values.insert(values.end(), {p - 1, p, p + 1});
  Histogram one;
  for (const std::uint64_t v : values) {
    const auto b = Histogram::bucket_of(v);
    REQUIRE(b < Histogram::kBuckets - 1);  // not the overflow bucket
    REQUIRE(Histogram::bucket_low(b) <= v);
    REQUIRE(Histogram::bucket_high(b) >= v);
    // Every value the bucket stands for, whichever one a report prints, is within 1% of v.
    CHECK_MESSAGE(static_cast<double>(Histogram::bucket_high(b) - Histogram::bucket_low(b)) <= 0.01 * static_cast<double>(v),
                  "value " << v);
    one.clear();
    one.record(v);
    CHECK(std::abs(static_cast<double>(one.quantile(0.5)) - static_cast<double>(v)) <= 0.01 * static_cast<double>(v));
  }
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 µs .. 100 ms, uniform
  CHECK(h.count() == 100000);
  CHECK(h.max() == 100000000);
  CHECK(h.quantile(0.5) == doctest::Approx(50e6).epsilon(0.01));
  CHECK(h.quantile(0.99) == doctest::Approx(99e6).epsilon(0.01));
  CHECK(h.quantile(1.0) == doctest::Approx(100e6).epsilon(0.01));
}

TEST_CASE("a run's derived figures: errors of every kind, rates per measured second") {
  echo::bench::RunResult r;  // not the tests' RunResult of a program run
  CHECK(r.errors() == 0);
  CHECK(r.rps() == 0);  // nothing measured: no division by zero
  CHECK(r.mbps() == 0);
  CHECK(r.connects_per_s() == 0);
  r.duration_s = 2;
  r.requests = 1000;
  r.bytes_out = r.bytes_in = 125000;  // 2 Mbit in all
  r.errors_by_kind = {1, 2, 0, 3, 0, 4};
  for (int i = 0; i < 10; ++i) r.connect_latency.record(1000);
  CHECK(r.errors() == 10);
  CHECK(r.rps() == 500);
  CHECK(r.mbps() == doctest::Approx(1.0));
  CHECK(r.connects_per_s() == 5);
}

TEST_CASE("payload is lowercase lines of -s bytes and the checker catches a wrong reply however it is split") {
  const Payload p(8, Expect::upper);
  std::string out;
  p.append_request(0, out);
  p.append_request(1, out);
  CHECK(out == "abcdefg\nbcdefgh\n");
  ReplyChecker check(p);
  auto s = check.feed(0, "ABC");
  CHECK_FALSE(s.complete);
  s = check.feed(0, "DEFG\nBCD");
  CHECK(s.complete);
  CHECK(s.correct);
  CHECK(s.consumed == 5);
  s = check.feed(1, "bcdefgh\n");  // not upper-cased
  CHECK(s.complete);
  CHECK_FALSE(s.correct);
  s = check.feed(2, "CDEF\n");  // too short
  CHECK_FALSE(s.correct);
}

TEST_CASE("CPU lists parse as taskset writes them") {
  CHECK(parse_cpu_list("0") == std::vector<int>{0});
  CHECK(parse_cpu_list("3,0-1") == std::vector<int>{0, 1, 3});
  CHECK_FALSE(parse_cpu_list("1-0"));
  CHECK_FALSE(parse_cpu_list("a"));
  CHECK_FALSE(parse_cpu_list(""));
  CHECK(format_cpu_list({0, 1, 2, 5}) == "0-2,5");
}

TEST_CASE("JSON writer escapes and separates") {
  JsonWriter j;
  j.begin_object().value("a", std::uint64_t{1}).value("s", "x\"\n").begin_array("l").value("", 1.5).end_array().end_object();
  CHECK(j.str() == R"({"a":1,"s":"x\"\u000a","l":[1.5]})");
}

TEST_CASE("run --json against a real server has every field and no errors") {
  ServerProcess server({"--mode", "coro"});
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "4", "-d", "1",
                              "--warmup", "0.2", "-p", "2", "--json"},
                             "", 20s);
  REQUIRE(r.exit_code == 0);
  for (const char* field : {"connections", "requests", "errors", "duration_s", "rps", "mbps", "p50", "p90", "p99",
                            "p999", "max"})
    json_number(r.out, field);
  CHECK(json_number(r.out, "connections") == 4);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "requests") > 0);
  CHECK(json_number(r.out, "duration_s") == doctest::Approx(1.0).epsilon(0.1));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);  // one object, one line
}

TEST_CASE("run against a server that answers wrongly counts mismatches and no correct request") {
  EchoingServer wrong;
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(wrong.port()), "-c", "2", "-d", "0.5",
                              "--warmup", "0", "--json"},
                             "", 20s);
  CHECK(r.exit_code == 3);
  CHECK(json_number(r.out, "requests") == 0);
  CHECK(json_number(r.out, "errors") > 0);
  CHECK(json_number(r.out, "mismatch") == json_number(r.out, "errors"));
}

TEST_CASE("run --rate holds its rate within 10%") {
  ServerProcess server({"--mode", "coro"});
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "4", "-d", "2",
                              "--warmup", "0.2", "--rate", "2000", "--json"},
                             "", 20s);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.out, "rps") == doctest::Approx(2000).epsilon(0.1));
  CHECK(json_number(r.out, "requests") == doctest::Approx(4000).epsilon(0.1));
}

TEST_CASE("run -n stops after exactly that many requests") {
  ServerProcess server({"--mode", "pool"});
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "3", "-n", "1000",
                              "-p", "4", "--json"},
                             "", 20s);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.out, "requests") == 1000);
}

TEST_CASE("run --churn makes a connection per request") {
  ServerProcess server({"--mode", "thread"});
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "2", "-d", "1",
                              "--warmup", "0.2", "--churn", "--json"},
                             "", 20s);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.out, "errors") == 0);
  // One connection per reply; the measured window may cut a connection from its reply at each end.
  CHECK(std::abs(json_number(r.out, "connects") - json_number(r.out, "requests")) <= 4);
  CHECK(json_number(r.out, "connects_per_s") > 10);
}

TEST_CASE("run says in one line what is wrong") {
  SUBCASE("nothing listens") {
    const echo::Listener l = echo::listen_tcp("127.0.0.1", 0);
    close(l.fd);
    const auto r = run_program({"echo-bench", "run", "--port", std::to_string(l.port), "-d", "1"}, "", 10s);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot connect") != std::string::npos);
  }
  SUBCASE("bad options") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"run", "-c", "0"}, {"run", "--rate", "fast"}, {"run", "-d", "1", "-n", "5"}, {"run", "--churn", "-p", "4"},
             {"run", "--expect", "lower"}, {"compare", "--modes", "fork,spoon"}, {"compare", "--peer", "nocommand"}, {}}) {
      std::vector<std::string> argv{"echo-bench"};
      argv.insert(argv.end(), args.begin(), args.end());
      const auto r = run_program(argv, "", 10s);
      CHECK(r.exit_code == 2);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
  }
  SUBCASE("--help works") {
    const auto r = run_program({"echo-bench", "run", "--help"}, "", 10s);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("--rate") != std::string::npos);
  }
}

TEST_CASE("compare on two modes writes the table and the JSON and the chart") {
  const fs::path out = fresh_dir("echo-compare");
  const auto r = run_program({"echo-bench", "compare", "--modes", "thread,coro", "-c", "1,4", "-d", "0.5", "--warmup",
                              "0.1", "--out", out.string()},
                             "", 60s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("| coro | 4 |") != std::string::npos);  // the table, printed
  CHECK(fs::exists(out / "results.md"));
  CHECK(fs::exists(out / "results.json"));
  // gnuplot is a dependency (scripts/install-deps.sh): a missing chart is a failure, not a skip.
  REQUIRE_MESSAGE(fs::exists(out / "chart.png"), "no chart.png; echo-bench said: " << r.err);
  CHECK(fs::file_size(out / "chart.png") > 1000);
  const std::string md = r.out;
  CHECK(md.find("| thread | 1 |") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("compare's table says `killed` where a server had to be killed, not CPU figures it cannot know") {
  // wait4 of a SIGKILLed hybrid supervisor counts none of its unreaped workers' CPU.
  CompareReport report;
  Point p;
  p.server = "stubborn";
  p.connections = 10;
  p.run = RunResult{};
  p.run->requests_total = 1000;
  p.cost.user_s = 0.01;
  p.cost.killed = true;
  report.points.push_back(p);
  const std::string md = markdown_tables(report);
  CHECK(md.find("| stubborn | 10 |") != std::string::npos);
  CHECK(md.find("| killed | killed | – |") != std::string::npos);
  CHECK(md.find("did not exit within 15 s of SIGTERM") != std::string::npos);
  CHECK(point_summary("stubborn", p).find("server CPU unknown (killed") != std::string::npos);

  report.points[0].cost.killed = false;  // a server that stopped by itself: its figures, no note
  const std::string clean = markdown_tables(report);
  CHECK(clean.find("| 0.01 | 0.00 | 10.0 |") != std::string::npos);
  CHECK(clean.find("killed") == std::string::npos);
}

TEST_CASE("compare says clearly when the server does not start") {
  const fs::path out = fresh_dir("echo-compare-bad");
  const auto r = run_program({"echo-bench", "compare", "--modes", "coro", "-c", "1", "-d", "0.5", "--server-args",
                              "--no-such-option", "--out", out.string()},
                             "", 30s);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("echo-server --mode coro exited with status") != std::string::npos);
  fs::remove_all(out);
}
