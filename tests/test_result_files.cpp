// echo-bench's results that leave the process: result files and their exact merge, agents' shares
// and a load split over agent processes, and the .hgrm percentile distribution.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent_share.hpp"
#include "hgrm_writer.hpp"
#include "json_reader.hpp"
#include "process.hpp"
#include "result_file.hpp"
#include "result_merge.hpp"

using namespace echo::bench;
using namespace std::chrono_literals;
using echo::test::run_program;
using echo::test::ServerProcess;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_same_histogram(const Histogram& a, const Histogram& b) {
  REQUIRE(a.count() == b.count());
  CHECK(a.sum() == b.sum());
  CHECK(a.min() == b.min());
  CHECK(a.max() == b.max());
  for (std::size_t i = 0; i < Histogram::kBuckets; ++i) REQUIRE_MESSAGE(a.bucket_count(i) == b.bucket_count(i), "bucket " << i);
  for (const double q : {0.0001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) CHECK(a.quantile(q) == b.quantile(q));
}

// Latency-like values: mostly tens of µs, a long tail to seconds.
std::vector<std::uint64_t> latency_samples(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> body(std::log(50'000.0), 0.6);
  std::uniform_real_distribution<double> tail(1e6, 3e9);
  std::vector<std::uint64_t> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<std::uint64_t>(i % 97 == 0 ? tail(rng) : body(rng)));
  return v;
}

struct HgrmRow {
  double value, percentile;
  std::uint64_t count;
};

// Reads an .hgrm file the way HdrHistogram's plotter does, checking every line on the way: the
// header, a blank line, rows of 4 numbers (the last row 3, at percentile 1), the 3 footer lines.
std::vector<HgrmRow> parse_hgrm(const std::string& text, std::uint64_t& footer_count, double& footer_max) {
  std::istringstream in(text);
  std::string line;
  REQUIRE(std::getline(in, line));
  std::istringstream header(line);
  std::vector<std::string> words{std::istream_iterator<std::string>(header), std::istream_iterator<std::string>()};
  REQUIRE(words == std::vector<std::string>{"Value", "Percentile", "TotalCount", "1/(1-Percentile)"});
  REQUIRE(std::getline(in, line));
  CHECK(line.empty());
  std::vector<HgrmRow> rows;
  bool last_row_seen = false;
  while (std::getline(in, line) && line.rfind("#[", 0) != 0) {
    REQUIRE_FALSE(last_row_seen);  // nothing after the 100% row but the footer
    std::istringstream fields(line);
    HgrmRow row{};
    double inverse = 0;
    REQUIRE_MESSAGE((fields >> row.value >> row.percentile >> row.count), line);
    if (fields >> inverse) {
      CHECK(std::abs(inverse - 1 / (1 - row.percentile)) <= 0.0051);  // printed with 2 decimals
    } else {
      CHECK(row.percentile == 1.0);
      last_row_seen = true;
    }
    if (!rows.empty()) {
      CHECK(row.value >= rows.back().value);
      CHECK(row.percentile > rows.back().percentile);
      CHECK(row.count >= rows.back().count);
    }
    rows.push_back(row);
  }
  REQUIRE(last_row_seen);
  std::smatch m;
  REQUIRE(std::regex_match(line, m, std::regex(R"(#\[Mean    = +[0-9.]+, StdDeviation   = +[0-9.]+\])")));
  REQUIRE(std::getline(in, line));
  REQUIRE(std::regex_match(line, m, std::regex(R"(#\[Max     = +([0-9.]+), Total count    = +([0-9]+)\])")));
  footer_max = std::stod(m[1]);
  footer_count = std::stoull(m[2]);
  REQUIRE(std::getline(in, line));
  CHECK(std::regex_match(line, std::regex(R"(#\[Buckets = +[0-9]+, SubBuckets     = +[0-9]+\])")));
  CHECK_FALSE(std::getline(in, line));
  CHECK(rows.back().count == footer_count);
  return rows;
}

// The value the .hgrm shows at percentile q: its first row at or past q.
double hgrm_value_at(const std::vector<HgrmRow>& rows, double q) {
  for (const auto& r : rows)
    if (r.percentile >= q - 1e-9) return r.value;
  return rows.back().value;
}

// Whether `value` lies where the .hgrm puts percentile q: between the rows either side of q
// (a row stands for its bucket's highest value: 1% slack below).
bool hgrm_brackets(const std::vector<HgrmRow>& rows, double q, double value) {
  double low = 0;
  for (const auto& r : rows) {
    if (r.percentile >= q - 1e-9) return value >= low * 0.99 && value <= r.value;
    low = r.value;
  }
  return false;
}

double member(const JsonValue& v, std::initializer_list<const char*> path) {
  const JsonValue* at = &v;
  for (const char* key : path) {
    at = at->find(key);
    REQUIRE_MESSAGE(at != nullptr, "no member " << key);
  }
  REQUIRE(at->as_double());
  return *at->as_double();
}

}  // namespace

TEST_CASE("merging the parts of one run's samples gives exactly the percentiles of the whole") {
  const auto samples = latency_samples(200'000, 7);
  Histogram whole;
  std::vector<RunResult> parts(3);
  std::mt19937 pick(11);
  for (const auto v : samples) {
    whole.record(v);
    RunResult& p = parts[pick() % parts.size()];
    p.latency.record(v);
    ++p.requests;
  }
  // Each part makes the round trip through its file text, as agents' results do.
  std::vector<RunResult> read_back;
  for (const RunResult& p : parts) {
    std::string error;
    auto r = parse_result(result_file_text(p), error);
    REQUIRE_MESSAGE(r, error);
    check_same_histogram(r->latency, p.latency);
    read_back.push_back(std::move(*r));
  }
  std::string error;
  const auto merged = merge_results(read_back, error);
  REQUIRE_MESSAGE(merged, error);
  CHECK(merged->requests == samples.size());
  check_same_histogram(merged->latency, whole);
}

TEST_CASE("a result file keeps every count and option") {
  RunResult r;
  r.options.connections = 7;
  r.options.rate = 1234.5;
  r.options.agent_index = 2;
  r.options.agent_count = 5;
  r.options.start_at = 1767225600.25;
  r.options.expect = Expect::echo;
  r.target = "127.0.0.1:7007";
  r.threads = 3;
  r.connections = 7;
  r.requests = 3;
  r.requests_total = 99;
  r.errors_by_kind[3] = 4;
  r.mismatch_sample = "a \"quoted\"\nline";
  r.bytes_out = 1ull << 40;
  r.duration_s = 2.5;
  r.cpu_s = 0.125;
  for (const std::uint64_t v : {1000ull, 2000ull, 90'000'000'000ull}) r.latency.record(v);
  r.schedule_lag.record(5);
  r.intervals.resize(2);
  r.intervals[1].requests = 3;
  r.intervals[1].errors = 4;
  r.intervals[1].latency = r.latency;
  std::string error;
  const auto back = parse_result(result_file_text(r), error);
  REQUIRE_MESSAGE(back, error);
  CHECK(back->options.connections == 7);
  CHECK(back->options.rate == 1234.5);
  CHECK(back->options.agent_index == 2);
  CHECK(back->options.agent_count == 5);
  CHECK(back->options.start_at == doctest::Approx(1767225600.25));
  CHECK(back->options.expect == Expect::echo);
  CHECK(back->target == r.target);
  CHECK(back->requests_total == 99);
  CHECK(back->errors() == 4);
  CHECK(back->mismatch_sample == r.mismatch_sample);
  CHECK(back->bytes_out == r.bytes_out);
  CHECK(back->cpu_s == 0.125);
  check_same_histogram(back->latency, r.latency);
  check_same_histogram(back->schedule_lag, r.schedule_lag);
  REQUIRE(back->intervals.size() == 2);
  CHECK(back->intervals[1].errors == 4);
  check_same_histogram(back->intervals[1].latency, r.latency);
}

TEST_CASE("merge refuses what does not add up, and says why") {
  std::string error;
  CHECK_FALSE(merge_results({}, error));
  RunResult a, b;
  b.options.size = 128;
  CHECK_FALSE(merge_results({a, b}, error, {"a.json", "b.json"}));
  CHECK(error.find("b.json") != std::string::npos);
  CHECK(error.find("-s 64 and -s 128") != std::string::npos);
  b.options.size = a.options.size;
  b.options.rate = 100;
  CHECK_FALSE(merge_results({a, b}, error));
  CHECK(error.find("open loop") != std::string::npos);
  // Damaged files: every one is refused with a reason.
  const std::string good = result_file_text(a);
  for (const std::string& bad : {std::string("hello"), std::string("{}"), good.substr(0, good.size() / 2),
                                 std::regex_replace(good, std::regex("\"version\":1"), "\"version\":9"),
                                 std::regex_replace(good, std::regex("\"requests\":0"), "\"requests\":5")}) {
    error.clear();
    CHECK_FALSE(parse_result(bad, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("agents' shares of connections, rate and -n add up to the whole load") {
  for (const unsigned n : {1u, 2u, 3u, 7u}) {
    std::size_t connections = 0;
    double rate = 0;
    std::uint64_t requests = 0;
    for (unsigned i = 0; i < n; ++i) {
      RunOptions o;
      o.connections = 10;
      o.rate = 1000;
      o.requests = 1001;
      o.agent_index = i;
      o.agent_count = n;
      REQUIRE_FALSE(apply_agent_share(o));
      CHECK(o.connections >= 10 / n);
      connections += o.connections;
      rate += o.rate;
      requests += o.requests;
    }
    CHECK(connections == 10);
    CHECK(rate == doctest::Approx(1000));
    CHECK(requests == 1001);
  }
  RunOptions o;
  o.connections = 2;
  o.agent_index = 0;
  o.agent_count = 3;
  CHECK(apply_agent_share(o));  // an agent without a connection
  unsigned i = 0, n = 0;
  std::string error;
  for (const char* bad : {"3/3", "1", "a/2", "1/0", "-1/2", "1/2/3", ""}) CHECK_FALSE(parse_agent(bad, i, n, error));
  CHECK(parse_agent("2/3", i, n, error));
  CHECK((i == 2 && n == 3));
}

TEST_CASE("run --hgrm writes what HdrHistogram's plotter reads, agreeing with --json's percentiles") {
  ServerProcess server({"--mode", "coro"});
  const fs::path dir = fresh_dir("echo-hgrm");
  const auto r = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "4", "-d", "1",
                              "--warmup", "0.2", "--rate", "3000", "--json", "--hgrm", (dir / "run.hgrm").string()},
                             "", 30s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string error;
  const auto json = JsonValue::parse(r.out, error);
  REQUIRE_MESSAGE(json, error);
  std::uint64_t total = 0;
  double max_us = 0;
  const auto rows = parse_hgrm(read_text(dir / "run.hgrm"), total, max_us);
  CHECK(total == member(*json, {"requests"}));
  CHECK(rows.size() > 20);  // 5 ticks per half distance: many rows even for a few thousand samples
  CHECK(max_us == doctest::Approx(member(*json, {"latency_us", "max"})).epsilon(0.001));
  for (const auto& percentile : {std::pair{0.5, "p50"}, {0.9, "p90"}, {0.99, "p99"}, {0.999, "p999"}}) {
    const std::string key = percentile.second;
    CHECK_MESSAGE(hgrm_brackets(rows, percentile.first, member(*json, {"latency_us", key.c_str()})), key);
  }
  fs::remove_all(dir);
}

TEST_CASE("an .hgrm of a known distribution has HdrHistogram's ticks and values") {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v * 1000);  // 1 µs .. 10 ms, uniform
  std::uint64_t total = 0;
  double max_us = 0;
  const auto rows = parse_hgrm(hgrm_text(h), total, max_us);
  CHECK(total == 10000);
  CHECK(max_us == 10000.0);
  // 0%, then 10% steps to 50%, 5% to 75%, 2.5% to 87.5%: HdrHistogram's 5 ticks per half distance.
  REQUIRE(rows.size() > 12);
  const double expected[] = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.775, 0.8};
  for (std::size_t i = 0; i < std::size(expected); ++i) CHECK(rows[i].percentile == doctest::Approx(expected[i]));
  CHECK(hgrm_value_at(rows, 0.5) == doctest::Approx(5000).epsilon(0.01));
  CHECK(hgrm_value_at(rows, 0.99) == doctest::Approx(9900).epsilon(0.01));
  CHECK(hgrm_text(Histogram{}).find("Total count    =            0") != std::string::npos);
}

TEST_CASE("agents started at one instant against one server merge into one run of the whole load") {
  ServerProcess server({"--mode", "pool"});
  const fs::path dir = fresh_dir("echo-agents");
  constexpr int kAgents = 3;
  const double start = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 1.5;
  std::vector<echo::test::RunResult> outs(kAgents);
  std::vector<std::thread> agents;
  for (int i = 0; i < kAgents; ++i)
    agents.emplace_back([&, i] {
      outs[i] = run_program({"echo-bench", "run", "--port", std::to_string(server.port()), "-c", "7", "--rate", "1500",
                             "-d", "1", "--warmup", "0.2", "-q", "--agent", std::to_string(i) + "/" + std::to_string(kAgents),
                             "--start-at", std::to_string(start), "--result", (dir / ("agent" + std::to_string(i))).string()},
                            "", 30s);
    });
  for (auto& t : agents) t.join();
  std::vector<std::string> files;
  std::vector<RunResult> parts;
  for (int i = 0; i < kAgents; ++i) {
    REQUIRE_MESSAGE(outs[i].exit_code == 0, outs[i].err);
    files.push_back((dir / ("agent" + std::to_string(i))).string());
    std::string error;
    auto p = read_result_file(files.back(), error);
    REQUIRE_MESSAGE(p, error);
    CHECK(p->options.connections == (i == 0 ? 3u : 2u));  // 7 connections dealt 3, 2, 2
    CHECK(p->connections == p->options.connections);
    CHECK(p->options.start_at == doctest::Approx(start));
    parts.push_back(std::move(*p));
  }
  std::vector<std::string> argv{"echo-bench", "merge", "--json", "--result", (dir / "merged").string()};
  argv.insert(argv.end(), files.begin(), files.end());
  const auto m = run_program(argv, "", 30s);
  REQUIRE_MESSAGE(m.exit_code == 0, m.err);
  std::string error;
  const auto merged = read_result_file((dir / "merged").string(), error);
  REQUIRE_MESSAGE(merged, error);
  Histogram sum;
  std::uint64_t requests = 0, connections = 0;
  for (const RunResult& p : parts) {
    sum.add(p.latency);
    requests += p.requests;
    connections += p.connections;
  }
  CHECK(merged->requests == requests);
  CHECK(merged->connections == connections);
  CHECK(merged->connections == 7);
  CHECK(merged->errors() == 0);
  CHECK(merged->options.rate == doctest::Approx(1500).epsilon(0.001));
  check_same_histogram(merged->latency, sum);
  // Together they held the whole rate: 1500/s for about the 1 s measured.
  CHECK(static_cast<double>(requests) == doctest::Approx(1500).epsilon(0.15));
  const auto json = JsonValue::parse(m.out, error);
  REQUIRE_MESSAGE(json, error);
  CHECK(member(*json, {"requests"}) == static_cast<double>(requests));
  CHECK(member(*json, {"latency_us", "p99"}) == doctest::Approx(static_cast<double>(sum.quantile(0.99)) / 1000).epsilon(0.0001));
  fs::remove_all(dir);
}

TEST_CASE("--start-at refuses a time long past, and --agent a share without connections") {
  const auto late = run_program({"echo-bench", "run", "--port", "1", "--start-at", "1000", "-d", "1"}, "", 10s);
  CHECK(late.exit_code == 2);
  CHECK(late.err.find("s ago") != std::string::npos);
  const auto r = run_program({"echo-bench", "run", "-c", "2", "--agent", "2/3", "-d", "1"}, "", 10s);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("at least one connection") != std::string::npos);
  const auto merge = run_program({"echo-bench", "merge", "/nonexistent/result"}, "", 10s);
  CHECK(merge.exit_code == 1);
  CHECK(merge.err.find("cannot read /nonexistent/result") != std::string::npos);
}
