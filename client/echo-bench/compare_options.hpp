#pragma once
// What `echo-bench compare` is asked to do: the servers and the loads. The command line fills it
// in; compare runs it and the report repeats it.

#include <cstddef>
#include <string>
#include <vector>

#include "capacity_search.hpp"
#include "run_options.hpp"

namespace echo::bench {

struct Peer {
  std::string name;
  std::string command;  // a shell command; {port} is replaced by a free port
};

struct CompareOptions {
  std::vector<std::string> modes;  // the command line fills in every mode echo-server lists
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
  CapacityOptions capacity;  // --capacity US (capacity.p99_us > 0): a capacity search per server instead of the points
  // --chat: every server runs with --chat and each point is `echo-bench chat` with -c clients
  // (compare_chat.cpp); -d, --warmup, --timeout, -t and -p (the senders' window) apply.
  bool chat = false;
  std::size_t rooms = 1, senders = 1;
  double chat_rate = 0;  // 0: closed loop
};

}  // namespace echo::bench
