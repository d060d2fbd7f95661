#include "server_modes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>

namespace echo::bench {
namespace {

// Runs `argv` and returns its stdout, or false with `error`; it must exit 0 within 10 s.
bool capture_stdout(const std::vector<std::string>& argv, std::string& out, std::string& error) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    error = fmt::format("cannot run echo-server at {}: {} (build it, or give --server PATH)", argv[0], std::strerror(rc));
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool timed_out = false;
  for (char buf[4096];;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = fmt::format("{} {} failed ({})", argv[0], argv[1],
                        timed_out ? "no answer in 10 s" : fmt::format("wait status {}", status));
    return false;
  }
  return true;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : ",") + w;
  return text;
}

}  // namespace

bool list_server_modes(const std::string& server, std::vector<std::string>& modes, std::string& error) {
  const std::string path =
      server.empty() ? (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "echo-server").string() : server;
  std::string out;
  if (!capture_stdout({path, "--list-modes"}, out, error)) return false;
  std::istringstream lines(out);
  modes.clear();
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) modes.push_back(line);
  if (modes.empty()) error = fmt::format("{} --list-modes listed no mode", path);
  return !modes.empty();
}

int resolve_modes(const std::string& server, bool given, std::vector<std::string>& modes, std::string& error) {
  std::vector<std::string> known;
  if (!list_server_modes(server, known, error)) {
    if (!given) return 1;
    error.clear();
    return 0;
  }
  if (!given) {
    modes = known;
    return 0;
  }
  for (const auto& mode : modes) {
    if (std::find(known.begin(), known.end(), mode) == known.end()) {
      error = fmt::format("--modes: echo-server has no mode '{}' (it has {})", mode, joined(known));
      return 2;
    }
  }
  return 0;
}

}  // namespace echo::bench
