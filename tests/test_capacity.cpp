// echo-bench capacity: the search on a model whose limit is known, and the command against a real
// server (a generous target it meets, and an impossible one it must say it cannot).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "capacity_search.hpp"
#include "json_reader.hpp"
#include "process.hpp"

using namespace echo::bench;
using namespace std::chrono_literals;
using echo::test::run_program;
using echo::test::ServerProcess;

namespace {

// A server that holds a p99 of 100 µs up to `limit` req/s and then falls over (p99 5 ms).
CapacityStep model(double rate, double limit) {
  CapacityStep s;
  s.achieved = rate;
  s.p99_us = rate <= limit ? 100 : 5000;
  return s;
}

void check_curve_monotone(const CapacityResult& r) {
  const auto curve = r.curve();
  for (std::size_t i = 1; i < curve.size(); ++i) CHECK(curve[i].offered > curve[i - 1].offered);
}

}  // namespace

TEST_CASE("capacity search finds a model server's limit within its precision") {
  CapacityOptions o;
  o.p99_us = 1000;
  for (const double limit : {70.0, 999.0, 1000.0, 12345.0, 700000.0}) {
    const auto r = search_capacity(o, [&](double rate) { return model(rate, limit); });
    REQUIRE(r.capacity);
    CHECK(*r.capacity <= limit);
    CHECK(*r.capacity >= limit * (1 - o.precision));
    CHECK(r.steps.size() <= o.max_steps);
    CHECK_FALSE(r.reached_max_rate);
    check_curve_monotone(r);
  }
  SUBCASE("past --max-rate: at least that") {
    o.max_rate = 5000;
    const auto r = search_capacity(o, [&](double rate) { return model(rate, 1e9); });
    REQUIRE(r.capacity);
    CHECK(*r.capacity == 5000);
    CHECK(r.reached_max_rate);
  }
  SUBCASE("errors, or falling short of the rate, is not holding it") {
    auto with_errors = search_capacity(o, [&](double rate) {
      CapacityStep s = model(rate, 1e9);
      s.errors = rate > 3000 ? 1 : 0;
      return s;
    });
    REQUIRE(with_errors.capacity);
    CHECK(*with_errors.capacity <= 3000);
    auto short_of_rate = search_capacity(o, [&](double rate) {
      CapacityStep s = model(rate, 1e9);
      s.achieved = std::min(rate, 2000.0);
      return s;
    });
    REQUIRE(short_of_rate.capacity);
    CHECK(*short_of_rate.capacity <= 2000 / kCapacityMinAchieved);
  }
  SUBCASE("a target nothing meets: no capacity") {
    const auto r = search_capacity(o, [&](double rate) { return model(rate, 0); });
    CHECK_FALSE(r.capacity);
    CHECK(r.curve().front().offered >= o.min_rate / 2);
  }
}

TEST_CASE("capacity against a real server finds a rate, with its curve in rising offered rate") {
  ServerProcess server({"--mode", "coro"});
  const auto r = run_program({"echo-bench", "capacity", "--port", std::to_string(server.port()), "--p99", "1000000", "-c",
                              "4", "-d", "1", "--warmup", "0.2", "--start-rate", "250", "--max-rate", "1000", "--json"},
                             "", 60s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string error;
  const auto json = JsonValue::parse(r.out, error);
  REQUIRE_MESSAGE(json, error);
  REQUIRE(json->find("capacity_rps")->as_double());
  const double capacity = *json->find("capacity_rps")->as_double();
  CHECK(capacity > 0);
  CHECK(capacity <= 1000);  // a 1 s p99 usually holds up to --max-rate; a stall of the machine may cost a step
  const auto& curve = json->find("curve")->elements();
  REQUIRE(curve.size() >= 3);  // 250, 500, 1000 at least
  double highest_held = 0;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const double offered = *curve[i].find("offered_rps")->as_double();
    if (i > 0) CHECK(offered > *curve[i - 1].find("offered_rps")->as_double());
    if (!*curve[i].find("held")->as_bool()) continue;
    // A step that held met every condition; the answer is the highest of them.
    CHECK(*curve[i].find("achieved_rps")->as_double() >= 0.9 * offered);
    CHECK(*curve[i].find("errors")->as_u64() == 0);
    CHECK(*curve[i].find("p99_us")->as_double() <= 1000000);
    highest_held = offered;
  }
  CHECK(capacity == highest_held);
}

TEST_CASE("capacity with a target no server can meet says so") {
  ServerProcess server({"--mode", "coro"});
  const auto r = run_program({"echo-bench", "capacity", "--port", std::to_string(server.port()), "--p99", "1", "-c", "2",
                              "-d", "0.3", "--warmup", "0.1", "--start-rate", "400", "--min-rate", "100", "-q"},
                             "", 60s);
  CHECK(r.exit_code == 4);
  CHECK(r.out.find("no rate met the target (p99 <= 1 us with no errors)") != std::string::npos);
  // 400, 200, 100: each missed, and the report lists them.
  CHECK(r.out.find("missed") != std::string::npos);
  const auto bad = run_program({"echo-bench", "capacity", "--port", "1"}, "", 10s);
  CHECK(bad.exit_code == 2);  // --p99 is required
}

TEST_CASE("compare --capacity searches every mode and writes the table and the p99 chart") {
  const auto out = std::filesystem::temp_directory_path() / ("echo-capacity-" + std::to_string(getpid()));
  std::filesystem::remove_all(out);
  const auto r = run_program({"echo-bench", "compare", "--modes", "coro,pool", "--capacity", "1000000", "-c", "4", "-d",
                              "0.8", "--warmup", "0.1", "--start-rate", "250", "--max-rate", "500", "--out", out.string()},
                             "", 90s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // A row per mode with its answer: a 1 s target usually holds every rate up to --max-rate, but a
  // stall of a busy machine (under TSan) may cost every step of a mode; the search itself is
  // checked by the tests above.
  for (const char* mode : {"coro", "pool"})
    CHECK_MESSAGE(std::regex_search(r.out, std::regex(std::string("\\| ") + mode + " \\| 4 \\| ((>= )?[0-9]+|none) \\|")),
                  r.out);
  REQUIRE_MESSAGE(std::filesystem::exists(out / "capacity.png"), r.err);
  CHECK(std::filesystem::file_size(out / "capacity.png") > 1000);
  std::string error;
  std::ifstream in(out / "results.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto json = JsonValue::parse(text, error);
  REQUIRE_MESSAGE(json, error);
  REQUIRE(json->find("capacities"));
  CHECK(json->find("capacities")->elements().size() == 2);
  std::filesystem::remove_all(out);
  const auto bad = run_program({"echo-bench", "compare", "--modes", "coro", "--capacity", "1000", "-c", "1,10"}, "", 10s);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("one -c") != std::string::npos);
}
