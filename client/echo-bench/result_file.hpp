#pragma once
// A run's result file (`run --result FILE`), which `echo-bench merge` reads back: one JSON object
// that keeps everything a run counted, its histograms bucket by bucket, so results of many agents
// add up exactly. Format: docs/BENCH.md, "Result files".

#include <optional>
#include <string>

#include "json_reader.hpp"
#include "json_writer.hpp"
#include "run_result.hpp"

namespace echo::bench {

inline constexpr const char* kResultFormat = "echo-bench-result";
inline constexpr std::uint64_t kResultVersion = 1;

std::string result_file_text(const RunResult& r);
// Writes it to `path` (through a temporary file, so a reader never sees half a file).
bool write_result_file(const RunResult& r, const std::string& path, std::string& error);

// Reads one back; nullopt with `error` (naming the file and what is wrong) when it is not one.
std::optional<RunResult> read_result_file(const std::string& path, std::string& error);
std::optional<RunResult> parse_result(const std::string& text, std::string& error);

// A histogram as {"count","sum","min","max","buckets":[[index,count],...]} (non-empty buckets, ns).
void write_histogram(JsonWriter& json, std::string_view key, const Histogram& h);
bool read_histogram(const JsonValue& v, Histogram& h, std::string& error);

}  // namespace echo::bench
