#pragma once
// `echo-bench capacity`: the search of capacity_search.hpp, each step a real open-loop run, and
// its report: the curve (offered, achieved, p99, errors per rate) and the answer.

#include <string>

#include "capacity_search.hpp"
#include "json_writer.hpp"
#include "run_options.hpp"

namespace echo::bench {

// The search against the server `load` points at (-c, -d, --warmup, -s, -p of `load`; its --rate
// is the step's). Each step is reported on stderr as it ends, prefixed by `label` when given.
CapacityResult measure_capacity(const RunOptions& load, const CapacityOptions& o, const std::string& label = {});

std::string capacity_report(const RunOptions& load, const CapacityOptions& o, const CapacityResult& r);
void write_json(JsonWriter& json, std::string_view key, const CapacityOptions& o, const CapacityResult& r);
std::string capacity_answer(const CapacityOptions& o, const CapacityResult& r);  // one line

// The whole command; returns its exit code: 0 a capacity found, 1 a step could not run,
// 4 no rate met the target.
int run_capacity(const RunOptions& load, const CapacityOptions& o, bool json);

}  // namespace echo::bench
