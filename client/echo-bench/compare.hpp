#pragma once
// `echo-bench compare`: every server (echo-server in each mode, and any --peer) under the same
// loads, one fresh server per point so each row's cost belongs to that load alone.

#include <optional>
#include <string>
#include <vector>

#include "launched_server.hpp"
#include "run_options.hpp"
#include "run_result.hpp"
#include "tree_sampler.hpp"

namespace echo::bench {

struct Peer {
  std::string name;
  std::string command;  // a shell command; {port} is replaced by a free port
};

struct CompareOptions {
  std::vector<std::string> modes{"fork", "thread", "pool", "coro"};
  std::vector<std::size_t> connections{1, 10, 100, 1000};
  RunOptions load;  // -d -s -p -t --warmup --timeout --expect; host, port and -c are set per point
  unsigned repeat = 1;
  bool churn = false;  // adds a --churn run at each connection count
  std::string server;  // echo-server's path; empty: beside echo-bench
  std::vector<std::string> server_args;
  std::string server_cpus = "auto", client_cpus = "auto";  // a CPU list, "auto" or "none"
  std::vector<Peer> peers;
  std::string out;  // empty: results/compare-YYYYmmdd-HHMMSS
  std::string command_line;  // as typed, for the report
};

// One measured point: one server, one load, one repetition.
struct Point {
  std::string server;  // "fork", ..., or a peer's name
  std::size_t connections = 0;
  bool churn = false;
  unsigned repetition = 1;
  std::string error;  // the run could not happen (then `run` is empty)
  std::optional<RunResult> run;
  ServerCost cost;
  TreeSample peak;
};

struct CompareReport {
  CompareOptions options;
  std::string out_dir;
  std::string server_cpus, client_cpus;  // as applied ("" = not pinned)
  std::vector<Point> points;
  bool interrupted = false;
};

// Runs the comparison and writes results.md, results.json and chart.png into the out folder.
// Returns the exit code; prints the table on stdout and says what went wrong on stderr.
int run_compare(CompareOptions options);

}  // namespace echo::bench
