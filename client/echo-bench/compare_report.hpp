#pragma once
// What compare writes: results.md (the table people read), results.json (every run, raw), the
// chart, and the table again on stdout.

#include <functional>
#include <string>
#include <vector>

#include "compare_result.hpp"
#include "json_writer.hpp"

namespace echo::bench {

// One line per finished point, for stderr while compare runs.
std::string point_summary(const std::string& label, const Point& p);

// The rows to show: for each server, load kind and connection count, the repetition with the
// median throughput (so one row's numbers all come from the same run).
std::vector<const Point*> median_rows(const CompareReport& report, bool churn);

std::string markdown_tables(const CompareReport& report);
std::string results_json(const CompareReport& report);

// Writes the three files (and the chart's data and script) into report.out_dir and prints the
// table. False if a file could not be written; a missing gnuplot only costs the chart.
bool write_reports(const CompareReport& report);

// What write_reports and compare --chat's writer share: results.md and results.json into
// report.out_dir, the chart drawn by `chart` (named `chart_name`), the table on stdout.
bool write_report_files(const CompareReport& report, const std::string& md, const std::string& json,
                        const std::function<bool(std::string&)>& chart, const char* chart_name);

// chart.png from gnuplot (compare_chart.cpp). False with `error` set when it could not be made.
bool write_chart(const CompareReport& report, std::string& error);

// Runs gnuplot on `script_name` in `out_dir` (log in out_dir/logs/gnuplot.log).
bool run_gnuplot(const std::string& out_dir, const std::string& script_name, std::string& error);

// compare --capacity (compare_capacity.cpp): the table, the JSON, and capacity.png, p99 against
// offered rate per server.
std::string capacity_markdown(const CompareReport& report);
void write_capacities_json(JsonWriter& json, const CompareReport& report);
bool write_capacity_chart(const CompareReport& report, std::string& error);

// What every compare report (plain, --chat, --capacity) shares.
// "DATE; MACHINE. Server on CPUs S, load on CPUs L.\n": the line under a report's command.
std::string where_and_when(const CompareReport& report);
// Opens results.json's object with what every report has (command, machine, CPUs, repeat,
// interrupted); the caller adds its points and closes it.
void begin_results_json(JsonWriter& json, const CompareReport& report);
// Rows by server, in the order the servers were first measured (points are measured
// interleaved, servers innermost), then by connections.
void order_by_server(const CompareReport& report, std::vector<const Point*>& rows);
// For the charts (compare_chart.cpp): a server name as a file name (peers are named by users),
// and a string as gnuplot reads it, single-quoted.
std::string file_stem(const std::string& name);
std::string gnuplot_quoted(const std::string& s);

// Server CPU (user + system) per correct reply, in microseconds; 0 when nothing was answered.
double cpu_us_per_request(const Point& p);

}  // namespace echo::bench
