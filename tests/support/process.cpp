#include "process.hpp"

#include <signal.h>

#include <stdexcept>

#include "proc_info.hpp"

namespace echo::test {
namespace {

std::string resolve_program(const std::string& name) {
  return name.find('/') == std::string::npos ? (binary_dir() / name).string() : name;
}

echo::ChildOptions server_options(const std::vector<std::string>& args, const std::string& program,
                                  unsigned long fd_limit) {
  echo::ChildOptions options;
  options.argv = {resolve_program(program), "--port", "0"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.fd_limit = fd_limit;
  options.out = options.err = echo::ChildOutput::pipe();
  return options;
}

}  // namespace

std::filesystem::path binary_dir() { return ECHO_BINARY_DIR; }

ServerProcess::ServerProcess(std::vector<std::string> args, std::string program, unsigned long fd_limit)
    : child_(server_options(args, program, fd_limit)) {
  const echo::ReadyLine ready = child_.wait_ready_line(10s);
  ready_line_ = ready.text;
  port_ = ready.address.port;
  if (ready.status == echo::ReadyLine::Status::ready) return;
  if (ready.status == echo::ReadyLine::Status::other_line) throw std::runtime_error("unexpected first line: " + ready_line_);
  child_.stop(SIGKILL, 5s);
  throw std::runtime_error("server did not become ready; stderr: " + child_.err());
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto ended = child_.wait_exit(timeout);
  return ended ? ended->code() : -1;
}

int ServerProcess::stop(int sig, std::chrono::milliseconds timeout) {
  const echo::ChildExit ended = child_.stop(sig, timeout);
  return ended.killed ? -1 : ended.code();
}

std::string ServerProcess::stderr_text() {
  child_.pump(0ms);
  return child_.err();
}

RunResult run_program(std::vector<std::string> argv, const std::string& input, std::chrono::milliseconds timeout) {
  echo::ChildOptions options;
  options.argv = std::move(argv);
  options.argv.at(0) = resolve_program(options.argv[0]);
  options.stdin_pipe = true;
  options.input = input;
  options.out = options.err = echo::ChildOutput::pipe();
  echo::ChildProcess child(options);
  RunResult result;
  if (const auto ended = child.wait_exit(timeout)) result.exit_code = ended->code();
  else child.stop(SIGKILL, 5s);  // exit_code stays -1
  result.out = child.out();
  result.err = child.err();
  return result;
}

int count_zombie_children(pid_t pid) {
  int zombies = 0;
  for (const pid_t child : child_pids(pid)) {
    const auto stat = ProcStat::read(child);
    if (stat && stat->field(3) == "Z") ++zombies;
  }
  return zombies;
}

}  // namespace echo::test
