#pragma once
// Adds up the results of many load generators (agents, or load processes) that ran one load
// together: counts add, histograms add bucket by bucket, so the merged percentiles are those of
// one run that saw every sample.

#include <optional>
#include <string>
#include <vector>

#include "run_result.hpp"

namespace echo::bench {

// nullopt with `error` when `parts` is empty or they did not run the same kind of load (size,
// pipeline, expect, framing, churn, open or closed loop differ): such numbers do not add up.
// `names` (optional, same order) name the parts in that error.
std::optional<RunResult> merge_results(const std::vector<RunResult>& parts, std::string& error,
                                       const std::vector<std::string>& names = {});

}  // namespace echo::bench
