#pragma once
// How a run is told: a short human report, or one JSON object for scripts.

#include <string>
#include <string_view>

#include "json_writer.hpp"
#include "run_result.hpp"

namespace echo::bench {

std::string human_report(const RunResult& r);
// The run as a JSON object (a member named `key` when given); see docs/BENCH.md for the fields.
void write_json(JsonWriter& json, const RunResult& r, std::string_view key = {});
std::string json_report(const RunResult& r);

// Microseconds with one decimal, from the histogram's nanoseconds.
inline double to_us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }
const char* load_kind(const RunOptions& o);  // "closed loop", "open loop", "churn"

}  // namespace echo::bench
