#include "capacity_search.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace echo::bench {

bool step_holds(const CapacityOptions& o, const CapacityStep& s) {
  return !s.stopped && s.errors == 0 && s.p99_us <= o.p99_us * (1 + o.tolerance) &&
         s.achieved >= kCapacityMinAchieved * s.offered;
}

std::optional<std::string> validate(const CapacityOptions& o) {
  if (!(o.p99_us > 0)) return "--p99 must be more than 0 microseconds";
  if (o.tolerance < 0) return "--p99-tolerance must not be negative";
  if (!(o.min_rate > 0) || !(o.start_rate >= o.min_rate) || !(o.max_rate >= o.start_rate))
    return "rates must be 0 < --min-rate <= --start-rate <= --max-rate";
  if (!(o.precision > 0) || o.precision >= 1) return "--precision must be between 0 and 1";
  return std::nullopt;
}

std::vector<CapacityStep> CapacityResult::curve() const {
  std::vector<CapacityStep> c;
  for (const CapacityStep& s : steps)
    if (!s.stopped) c.push_back(s);
  std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.offered < b.offered; });
  // A rate tried twice keeps its last measurement.
  std::vector<CapacityStep> unique;
  for (const CapacityStep& s : c) {
    if (!unique.empty() && unique.back().offered == s.offered) unique.pop_back();
    unique.push_back(s);
  }
  return unique;
}

CapacityResult search_capacity(const CapacityOptions& o, const std::function<CapacityStep(double rate)>& measure) {
  CapacityResult r;
  std::optional<double> held, failed;  // highest rate that held, lowest that did not
  auto step = [&](double rate) {
    CapacityStep s = measure(rate);
    s.offered = rate;
    s.held = step_holds(o, s);
    // A miss is measured once more before it counts: one stray stall on a shared machine (a
    // first step right after the server started, another program's burst) must not end the search.
    if (!s.held && !s.stopped && r.steps.size() + 1 < o.max_steps) {
      r.steps.push_back(s);
      s = measure(rate);
      s.offered = rate;
      s.held = step_holds(o, s);
    }
    if (s.stopped) r.stopped_why = s.error.empty() ? "stopped" : s.error;
    r.steps.push_back(s);
    if (s.held) {
      held = std::max(held.value_or(0), rate);
    } else if (!s.stopped) {
      failed = std::min(failed.value_or(rate), rate);
    }
    return !s.stopped && r.steps.size() < o.max_steps;
  };
  // Coarse: up by doubling while it holds; down by halving while it does not.
  double rate = o.start_rate;
  while (step(rate)) {
    if (r.steps.back().held) {
      if (rate >= o.max_rate) {
        r.reached_max_rate = true;
        break;
      }
      if (failed) break;
      rate = std::min(rate * 2, o.max_rate);
    } else {
      if (held) break;
      if (rate / 2 < o.min_rate) break;
      rate /= 2;
    }
  }
  // Fine: bisect the bracket [held, failed).
  while (held && failed && *failed / *held - 1 > o.precision && r.stopped_why.empty() && r.steps.size() < o.max_steps)
    if (!step((*held + *failed) / 2)) break;
  r.capacity = held;
  return r;
}

}  // namespace echo::bench
