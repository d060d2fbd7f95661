#pragma once
// What `echo-bench compare` measured: one Point per server, load and repetition. compare.cpp
// fills it in; compare_report.cpp and compare_chart.cpp only read it.

#include <optional>
#include <string>
#include <vector>

#include "capacity_search.hpp"
#include "chat_result.hpp"
#include "compare_options.hpp"
#include "connection_memory.hpp"
#include "launched_server.hpp"
#include "run_result.hpp"
#include "tree_sampler.hpp"

namespace echo::bench {

// One measured point: one server, one load, one repetition.
struct Point {
  std::string server;  // "fork", ..., or a peer's name
  std::size_t connections = 0;
  bool churn = false;
  unsigned repetition = 1;
  std::string error;  // the run could not happen (then `run` is empty)
  std::optional<RunResult> run;
  std::optional<ChatResult> chat;  // compare --chat: instead of `run`
  ServerCost cost;
  TreeSample peak;
  std::optional<ConnectionMemory> memory;  // per connection held (connection_memory.hpp)
};

// compare --capacity: one server's capacity search.
struct CapacityOutcome {
  std::string server;
  std::size_t connections = 0;
  std::string error;  // the server could not start
  CapacityResult result;
};

struct CompareReport {
  CompareOptions options;
  std::string out_dir;
  std::string server_cpus, client_cpus;  // as applied ("" = not pinned)
  std::vector<Point> points;
  std::vector<CapacityOutcome> capacities;  // compare --capacity
  bool interrupted = false;
};

}  // namespace echo::bench
