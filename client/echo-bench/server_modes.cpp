#include "server_modes.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>

#include "child_process.hpp"

namespace echo::bench {
namespace {

// Runs `argv` and returns its stdout, or false with `error`; it must exit 0 within 10 s.
bool capture_stdout(const std::vector<std::string>& argv, std::string& out, std::string& error) {
  ChildOptions options;
  options.argv = argv;
  options.out = ChildOutput::pipe();
  options.err = ChildOutput::pipe();  // exec's own complaint, for the message below
  try {
    ChildProcess child(options);
    const auto exit = child.wait_exit(std::chrono::seconds(10));
    if (!exit) {
      child.stop(SIGKILL, std::chrono::milliseconds(0));
      error = fmt::format("{} {} failed (no answer in 10 s)", argv[0], argv[1]);
      return false;
    }
    if (exit->code() == 127) {  // it could not be executed
      error = fmt::format("cannot run echo-server at {} (build it, or give --server PATH)", argv[0]);
      return false;
    }
    if (exit->code() != 0) {
      error = fmt::format("{} {} failed ({})", argv[0], argv[1], exit->describe());
      return false;
    }
    out = child.out();
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : ",") + w;
  return text;
}

}  // namespace

std::string echo_server_path(const std::string& server) {
  return server.empty() ? (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "echo-server").string() : server;
}

bool list_server_modes(const std::string& server, std::vector<std::string>& modes, std::string& error) {
  const std::string path = echo_server_path(server);
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
