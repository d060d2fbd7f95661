#pragma once
// The scale part of the reports (docs/SCALE.md): how many connections were held, from how many
// load processes and source addresses, how long they took to open, whether the idle crowd was
// still there at the end, and compare's memory per connection.

#include <string>

#include "compare_result.hpp"
#include "json_writer.hpp"
#include "run_result.hpp"

namespace echo::bench {

// "  held         1000 idle (1000 answered at the end), opened in 0.12 s ..." lines; empty when
// nothing about scale is worth saying (no --idle, one process, one source address).
std::string scale_lines(const RunResult& r);
void write_scale_json(JsonWriter& json, const RunResult& r);

// compare: per server and load, memory per connection held (server's PSS, kernel's).
std::string memory_table(const CompareReport& report);
void write_memory_json(JsonWriter& json, const Point& p);

}  // namespace echo::bench
