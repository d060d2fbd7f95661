#pragma once
// Running another program and living with it: echo-bench's servers and gnuplot, the tests'
// echo-server, echo-client and echo-bench. fork + exec with the options those need, the
// `listening on HOST:PORT` ready line (SPEC: echo-server's ready signal), and stopping it:
// a signal, a grace time, then SIGKILL, reaped with wait4() so its CPU cost is known.

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo {

// Where a child's stdout or stderr goes.
struct ChildOutput {
  enum class To { inherit, null, pipe, file };
  To to = To::inherit;
  std::string path;     // To::file
  bool append = true;   // To::file: added to its end, or the file is emptied first

  static ChildOutput pipe() { return {To::pipe, {}, true}; }
  static ChildOutput null() { return {To::null, {}, true}; }
  static ChildOutput file(std::string path, bool append = true) { return {To::file, std::move(path), append}; }
};

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
  std::string cwd;                // where it starts (empty: where we are)
  bool own_group = false;         // its own process group: signals then reach all it started too
  bool die_with_us = false;       // PR_SET_PDEATHSIG: killed if we die first, so nothing is orphaned
  std::vector<int> cpus;          // pinned to these CPUs (empty: anywhere we may run)
  unsigned long fd_limit = 0;     // > 0: its open-file limit, soft and hard, as under `ulimit -n`
  // Its stdin: /dev/null, or (stdin_pipe) a pipe that `input` is written to, then closed.
  // Writing it ignores SIGPIPE in this process, so a child that exits early cannot kill us.
  bool stdin_pipe = false;
  std::string input;
  ChildOutput out, err;
};

// How a child ended.
struct ChildExit {
  int status = 0;       // as wait4() reports it
  rusage usage{};       // CPU time and context switches of it and its reaped descendants
  bool killed = false;  // stop() had to SIGKILL it

  bool exited() const;           // it called exit() (not ended by a signal)
  int code() const;              // its exit status, or 128 + the signal that ended it, as a shell says
  std::string describe() const;  // "exited with status 1", "was killed by signal 9"
  double user_s() const;
  double system_s() const;
};

// `listening on HOST:PORT`, where HOST may be `[v6]`. The host is returned without brackets.
struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};
std::optional<ListenAddress> parse_ready_line(std::string_view line);

struct ReadyLine {
  enum class Status { ready, other_line, exited, timed_out };
  Status status = Status::timed_out;
  std::string text;       // the first line it printed (ready, other_line)
  ListenAddress address;  // ready
};

class ChildProcess {
 public:
  // Starts it. Throws std::runtime_error with one line when it cannot (a log that cannot be
  // written, no more processes). A program that cannot be executed exits with status 127.
  explicit ChildProcess(const ChildOptions& options);
  ~ChildProcess();  // SIGKILLs it (and its group) and reaps it, if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return !exit_.has_value(); }
  const std::optional<ChildExit>& exit_status() const { return exit_; }

  // Waits up to `timeout` for the first line on its stdout (which must be a pipe), and parses it.
  ReadyLine wait_ready_line(std::chrono::milliseconds timeout);

  // Moves bytes through the pipes: reads what it wrote into out() and err(), writes more of
  // `input`. Waits at most `wait` for any of that to be possible.
  void pump(std::chrono::milliseconds wait);
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  void close_stdout();  // read no more of it (what it writes later fails with EPIPE)

  // Reaps it once it exits, pumping the pipes meanwhile. nullopt if it is still running after
  // `timeout`; once it has exited, what it wrote before is in out() and err().
  std::optional<ChildExit> wait_exit(std::chrono::milliseconds timeout);
  // Sends `sig` (to its group, with own_group) and waits `grace` for it to exit, then SIGKILLs
  // it. With own_group, whatever it started and left behind is killed too.
  ChildExit stop(int sig, std::chrono::milliseconds grace);

 private:
  bool try_reap();
  void kill_now();
  void finish_reading();

  pid_t pid_ = -1;
  bool own_group_ = false;
  int in_fd_ = -1, out_fd_ = -1, err_fd_ = -1;  // our ends of its pipes; -1 when closed
  std::string input_;
  std::size_t input_done_ = 0;
  std::string out_, err_;
  std::optional<ChildExit> exit_;
};

}  // namespace echo
