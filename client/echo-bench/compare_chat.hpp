#pragma once
// `echo-bench compare --chat`: what differs from the echo compare. Each server runs with --chat,
// each point is an `echo-bench chat` load, and the report has chat columns (deliveries per
// second, delivery latency, errors, server CPU per delivery) and a chart of delivery p99 against
// room size, one line per server.

#include <string>
#include <vector>

#include "chat_options.hpp"
#include "compare_result.hpp"

namespace echo::bench {

// `--chat`, and room for every client unless --server-args says otherwise (fork's default
// --max-connections is smaller than the largest rooms).
void add_chat_server_args(const CompareOptions& o, std::vector<std::string>& argv);
// The chat load for one point: compare's -c as the clients, its timings, the server to watch.
ChatOptions chat_load(const CompareOptions& o, const RunOptions& point, int server_pid);

std::string chat_point_summary(const std::string& label, const Point& p);
// The rows to show: per server and client count, the repetition with the median deliveries/s.
std::vector<const Point*> chat_rows(const CompareReport& report);
std::string chat_markdown(const CompareReport& report);
std::string chat_json(const CompareReport& report);
bool write_chat_chart(const CompareReport& report, std::string& error);  // compare_chat_chart.cpp
// results.md, results.json, chart.png (and its data and script) into report.out_dir; the table on stdout.
bool write_chat_reports(const CompareReport& report);

}  // namespace echo::bench
