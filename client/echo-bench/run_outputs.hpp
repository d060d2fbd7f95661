#pragma once
// What `run` and `merge` write besides their report: the result file (--result), the .hgrm
// percentile distribution (--hgrm), and the generator's warnings on stderr.

#include <string>
#include <vector>

#include "run_result.hpp"

namespace echo::bench {

struct OutputFiles {
  std::string result;  // --result FILE: everything, for `echo-bench merge`
  std::string hgrm;    // --hgrm FILE: HdrHistogram's percentile text, in microseconds
};

// Writes the files asked for; false with `error` at the first that cannot be written.
bool write_outputs(const RunResult& r, const OutputFiles& files, std::string& error);

// Prints `echo-bench: warning: ...` on stderr for each reason the bench may have been the bottleneck.
void warn_about_generator(const RunResult& r);

// `echo-bench merge FILE...`: reads the result files, adds them up, prints the report (or JSON)
// and writes `files`. Returns the exit code: 0, 1 when a file cannot be read or merged, 3 when the
// merged run counted errors.
int merge_files(const std::vector<std::string>& paths, bool json, const OutputFiles& files);

}  // namespace echo::bench
