#pragma once
// A server that compare starts, measures and stops: echo-server in one --mode, or a --peer
// command. It runs in its own process group (so Ctrl-C reaches us, and we stop it cleanly), dies
// with us if we are killed (PR_SET_PDEATHSIG), and logs into a file rather than our terminal.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace echo::bench {

struct LaunchSpec {
  std::string name;               // for messages: "echo-server --mode fork", "peer baseline"
  std::vector<std::string> argv;  // argv[0] is a path
  std::vector<int> cpus;          // pin the server here (empty: anywhere)
  std::string log_path;           // its stderr (and a peer's stdout) are appended here
  // 0: it prints `listening on HOST:PORT` on stdout (echo-server --port 0). Otherwise the port
  // it was told to use: it is ready once a connect succeeds.
  unsigned short known_port = 0;
};

// What the server cost over its life, from wait4(): its own and every reaped descendant's.
struct ServerCost {
  double user_s = 0, system_s = 0;
  std::uint64_t voluntary_switches = 0, involuntary_switches = 0;
  int exit_code = -1;  // -1: it did not exit by itself (a signal ended it)
  // It did not stop within the grace time after SIGTERM and was SIGKILLed: wait4 then counts
  // only its own CPU, not that of children it never reaped (hybrid's workers), so the CPU
  // figures above are not the server's.
  bool killed = false;
};

class LaunchedServer {
 public:
  // Starts it and waits (up to 10 s) until it is ready. nullptr with `error` set (one line,
  // naming the log) if it exits first or never gets ready.
  static std::unique_ptr<LaunchedServer> start(const LaunchSpec& spec, std::string& error);
  // Destroying it kills the group and reaps, if still running.

  pid_t pid() const { return child_.pid(); }
  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }

  // SIGTERM to the whole group, then SIGKILL after `grace`; reaps and says what it cost.
  ServerCost stop(std::chrono::milliseconds grace = std::chrono::seconds(15));

 private:
  explicit LaunchedServer(const echo::ChildOptions& options) : child_(options) {}
  bool wait_ready(const LaunchSpec& spec, std::string& error);
  std::string exit_error(const LaunchSpec& spec) const;

  echo::ChildProcess child_;
  std::string host_ = "127.0.0.1";
  unsigned short port_ = 0;
};

// A port that was free a moment ago, for a peer's {port}.
std::optional<unsigned short> pick_free_port();

}  // namespace echo::bench
