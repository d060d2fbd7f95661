#pragma once
// `echo-bench compare`: every server (echo-server in each mode, and any --peer) under the same
// loads, one fresh server per point so each row's cost belongs to that load alone.

#include "compare_options.hpp"

namespace echo::bench {

// Runs the comparison and writes results.md, results.json and chart.png into the out folder.
// Returns the exit code; prints the table on stdout and says what went wrong on stderr.
int run_compare(CompareOptions options);

}  // namespace echo::bench
