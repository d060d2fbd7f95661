#include "run_outputs.hpp"

#include <fmt/format.h>

#include "generator_health.hpp"
#include "hgrm_writer.hpp"
#include "result_file.hpp"
#include "result_merge.hpp"
#include "run_report.hpp"

namespace echo::bench {

bool write_outputs(const RunResult& r, const OutputFiles& files, std::string& error) {
  if (!files.result.empty() && !write_result_file(r, files.result, error)) return false;
  if (!files.hgrm.empty() && !write_hgrm_file(r.latency, files.hgrm, error)) return false;
  return true;
}

void warn_about_generator(const RunResult& r) {
  for (const std::string& w : generator_health(r).warnings) fmt::print(stderr, "echo-bench: warning: {}\n", w);
}

int merge_files(const std::vector<std::string>& paths, bool json, const OutputFiles& files) {
  std::vector<RunResult> parts;
  std::string error;
  for (const std::string& path : paths) {
    auto r = read_result_file(path, error);
    if (!r) {
      fmt::print(stderr, "echo-bench: {}\n", error);
      return 1;
    }
    parts.push_back(std::move(*r));
  }
  const auto merged = merge_results(parts, error, paths);
  if (!merged) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return 1;
  }
  if (!write_outputs(*merged, files, error)) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return 1;
  }
  fmt::print("{}", json ? json_report(*merged) + "\n" : human_report(*merged));
  warn_about_generator(*merged);
  return merged->errors() == 0 ? 0 : 3;
}

}  // namespace echo::bench
