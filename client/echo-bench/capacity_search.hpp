#pragma once
// `echo-bench capacity`: the highest open-loop rate a server holds with its p99 under a target and
// no errors. The search only decides which rate to try next; what a step measures is given to it
// (capacity_run.cpp runs real load, tests can give a model).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

struct CapacityOptions {
  double p99_us = 0;        // --p99: the target
  double tolerance = 0;     // --p99-tolerance: a step holds with p99 up to target × (1 + this)
  double start_rate = 1000; // --start-rate: the first rate tried
  double min_rate = 50;     // --min-rate: below this, give up ("no rate met the target")
  double max_rate = 1e6;    // --max-rate: stop doubling here
  double precision = 0.05;  // --precision: bisect until the bracket is this narrow (relative)
  unsigned max_steps = 30;
};

// What one step measured.
struct CapacityStep {
  double offered = 0;   // req/s asked for
  double achieved = 0;  // correct replies per second
  double p50_us = 0, p99_us = 0, max_us = 0;
  std::uint64_t errors = 0;
  bool bench_saturated = false;  // the bench itself may have set the numbers (generator_health.hpp)
  bool held = false;     // set by the search: p99 within target, no error, achieved near offered
  bool stopped = false;  // the step was cut short (Ctrl-C, or it could not run): the search ends
  std::string error;     // why it could not run
};

// Achieved below this share of the offered rate: the server did not keep up, whatever its p99.
inline constexpr double kCapacityMinAchieved = 0.9;

struct CapacityResult {
  std::vector<CapacityStep> steps;  // in the order run
  std::optional<double> capacity;   // the highest rate that held; none: no rate met the target
  bool reached_max_rate = false;    // every rate up to --max-rate held: the capacity is at least that
  std::string stopped_why;          // non-empty when a step could not run
  std::vector<CapacityStep> curve() const;  // the steps by offered rate, one per rate
};

bool step_holds(const CapacityOptions& o, const CapacityStep& s);
std::optional<std::string> validate(const CapacityOptions& o);

// Doubles from start_rate while steps hold (halves while they do not), then bisects between the
// highest rate that held and the lowest that did not.
CapacityResult search_capacity(const CapacityOptions& o, const std::function<CapacityStep(double rate)>& measure);

}  // namespace echo::bench
