#pragma once
// Start the real programs (echo-server, echo-client, echo-bench) from tests, bounded in time.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace echo::test {

using namespace std::chrono_literals;

// Where CMake put echo-server, echo-client and echo-bench.
std::filesystem::path binary_dir();

// An echo-server started on --port 0 with the given extra arguments. The constructor waits (up
// to 10 s) for its `listening on HOST:PORT` line and throws std::runtime_error if it never comes.
class ServerProcess {
 public:
  // fd_limit > 0: the server starts with that open-file limit (soft and hard), as under `ulimit -n`.
  explicit ServerProcess(std::vector<std::string> args, std::string program = "echo-server", unsigned long fd_limit = 0);
  // Destroying it SIGKILLs and reaps it, if still running.

  unsigned short port() const { return port_; }
  pid_t pid() const { return child_.pid(); }
  const std::string& ready_line() const { return ready_line_; }

  // Sends `sig` and waits for exit. Returns the exit status, or -1 if it had to be killed.
  int stop(int sig = 15, std::chrono::milliseconds timeout = 10s);
  // Waits for exit without signalling. Returns the exit status (128 + N after signal N), or -1
  // if still running.
  int wait_exit(std::chrono::milliseconds timeout);
  // Everything the server wrote on stderr so far (its log and, after exit, its summary).
  std::string stderr_text();

 private:
  echo::ChildProcess child_;
  std::string ready_line_;
  unsigned short port_ = 0;
};

struct RunResult {
  int exit_code = -1;  // -1: killed at the time limit
  std::string out, err;
};
// Runs `argv` (argv[0] is looked up in binary_dir() unless it contains '/'), feeds `input` on
// stdin, and kills it after `timeout`.
RunResult run_program(std::vector<std::string> argv, const std::string& input = "",
                      std::chrono::milliseconds timeout = 30s);

// Child processes of `pid` that are zombies right now.
int count_zombie_children(pid_t pid);

}  // namespace echo::test
