#include "load_processes.hpp"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "net.hpp"
#include "result_file.hpp"
#include "result_merge.hpp"
#include "stop_signal.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

// What the machine spends per connection held on loopback, both ends, besides the server's own
// memory: kernel socket memory and the bench's state (measured: docs/SCALE.md), rounded up.
constexpr std::size_t kMachineBytesPerConnection = 16 * 1024;
constexpr std::size_t kDescriptorsReserved = 64;  // per process: stdio, epoll, timers, a spare

std::size_t read_number(const char* path, std::size_t field = 0) {
  std::ifstream in(path);
  std::size_t v = 0;
  for (std::size_t i = 0; i <= field && (in >> v); ++i) {
  }
  return v;
}

std::size_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    std::size_t kib = 0;
    std::string unit;
    in >> kib >> unit;
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

std::size_t processes_running() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc")) {
    while (const dirent* e = readdir(d)) n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    closedir(d);
  }
  return n;
}

// One line saying what the machine lacks for `total` connections in `processes` processes.
std::optional<std::string> machine_refuses(std::size_t total, unsigned processes) {
  const std::size_t files_max = read_number("/proc/sys/fs/file-nr", 2);
  const std::size_t files_used = read_number("/proc/sys/fs/file-nr", 0);
  // Towards a server on this machine both ends are open files.
  if (files_max > 0 && files_used + 2 * total > files_max)
    return fmt::format("{} connections need {} more open files on this machine (both ends), but fs.file-max is {} and {} "
                       "are in use",
                       total, 2 * total, files_max, files_used);
  const std::size_t memory = total * kMachineBytesPerConnection;
  if (const std::size_t available = mem_available_bytes(); available > 0 && memory > available)
    return fmt::format("{} connections need about {} MiB (kernel and bench, {} KiB each), but only {} MiB are available",
                       total, memory >> 20, kMachineBytesPerConnection / 1024, available >> 20);
  const std::size_t pid_max = read_number("/proc/sys/kernel/pid_max");
  if (pid_max > 0 && processes_running() + processes >= pid_max)
    return fmt::format("{} load processes do not fit: {} processes run and kernel.pid_max is {}", processes,
                       processes_running(), pid_max);
  return std::nullopt;
}

// The command line of load process `index`: the same load, its share of it (--agent), held
// until all are ready (--hold), from the run's source addresses.
std::vector<std::string> child_argv(const RunOptions& o, unsigned index, unsigned processes, unsigned threads,
                                    std::size_t sources, const std::string& result_path) {
  std::vector<std::string> a = {"/proc/self/exe", "run", "--host", o.host, "--port", std::to_string(o.port)};
  const auto add = [&a](std::string key, std::string value) {
    a.push_back(std::move(key));
    a.push_back(std::move(value));
  };
  add("-c", std::to_string(o.connections));
  if (o.requests != 0) {
    add("-n", std::to_string(o.requests));
  } else {
    add("-d", fmt::format("{}", o.duration_s));
    add("--warmup", fmt::format("{}", o.warmup_s));
  }
  if (o.rate > 0) add("--rate", fmt::format("{}", o.rate));
  add("-s", std::to_string(o.size));
  add("-p", std::to_string(o.pipeline));
  add("-t", std::to_string(threads));
  add("--timeout", fmt::format("{}", o.timeout_s));
  if (o.connect_rate > 0) add("--connect-rate", fmt::format("{}", o.connect_rate));
  add("--expect", to_string(o.expect));
  add("--framing", std::string(to_string(o.framing)));
  add("--idle", std::to_string(o.idle / processes + (index < o.idle % processes ? 1 : 0)));
  add("--sources", std::to_string(sources));
  add("--agent", fmt::format("{}/{}", index, processes));
  add("--result", result_path);
  a.push_back("--hold");
  a.push_back("-q");
  return a;
}

// A temporary folder for the result files, removed with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "echo-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

// Until every process said `ready N` (true, with the sum of N) or one ended first, or Ctrl-C.
bool wait_all_ready(std::vector<std::unique_ptr<ChildProcess>>& children, std::uint64_t& held, std::string& error) {
  std::vector<bool> ready(children.size(), false);
  while (std::count(ready.begin(), ready.end(), true) < static_cast<long>(children.size())) {
    if (echo::stop_requested()) {
      error = "interrupted while the load processes opened their connections";
      return false;
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
      if (ready[i]) continue;
      children[i]->pump(10ms);
      const std::string& out = children[i]->out();
      if (const auto end = out.find('\n'); end != std::string::npos && out.rfind("ready ", 0) == 0) {
        ready[i] = true;
        held += std::stoull(out.substr(6, end - 6));
      } else if (!children[i]->running() || children[i]->wait_exit(0ms)) {
        error = fmt::format("load process {} {} before it was ready (its errors are above)", i,
                            children[i]->exit_status()->describe());
        return false;
      }
    }
  }
  return true;
}

}  // namespace

std::size_t descriptors_needed(const RunOptions& o, unsigned threads) {
  return o.connections + o.idle + 2 * threads + 32;
}

unsigned load_processes_needed(const RunOptions& o, unsigned threads) {
  const std::size_t limit = echo::raise_fd_limit();
  if (o.hold || o.agent_count > 1 || o.churn || descriptors_needed(o, threads) <= limit) return 1;
  if (limit <= 2 * kDescriptorsReserved) return 1;  // a limit this low: let the descriptor check say so
  const std::size_t per_process = limit - kDescriptorsReserved;
  const std::size_t total = o.connections + o.idle;
  // Every process needs at least one active connection.
  return static_cast<unsigned>(std::min((total + per_process - 1) / per_process, o.connections));
}

std::optional<RunResult> run_load_processes(const RunOptions& o, unsigned processes, const Target& target,
                                            std::string& error, const RunHooks& hooks) {
  const std::size_t total = o.connections + o.idle;
  if ((o.connections + processes - 1) / processes + (o.idle + processes - 1) / processes + kDescriptorsReserved >
      echo::raise_fd_limit()) {
    error = fmt::format("{} connections with {} idle do not fit in {} load processes of {} descriptors: give more -c",
                        o.connections, o.idle, processes, echo::raise_fd_limit());
    return std::nullopt;
  }
  if (auto refused = machine_refuses(total, processes)) {
    error = *refused;
    return std::nullopt;
  }
  const std::size_t sources = target.sources ? target.sources->size() : 1;
  const unsigned threads = std::max(1u, effective_threads(o) / processes);
  fmt::print(stderr,
             "echo-bench: {} connections need more than this process's {} descriptors: {} load processes, {} source "
             "address{}\n",
             total, echo::raise_fd_limit(), processes, sources, sources == 1 ? "" : "es");
  TempDir dir;
  if (dir.path.empty()) {
    error = "cannot make a temporary folder for the load processes' results";
    return std::nullopt;
  }
  std::vector<std::unique_ptr<ChildProcess>> children;
  std::vector<std::string> paths;
  for (unsigned i = 0; i < processes; ++i) {
    paths.push_back(fmt::format("{}/process-{}.json", dir.path, i));
    ChildOptions c;
    c.argv = child_argv(o, i, processes, threads, sources, paths.back());
    c.die_with_us = true;
    c.out = ChildOutput::pipe();
    try {
      children.push_back(std::make_unique<ChildProcess>(c));
    } catch (const std::exception& e) {
      error = fmt::format("cannot start load process {}: {}", i, e.what());
      return std::nullopt;
    }
  }
  std::uint64_t held = 0;
  if (!wait_all_ready(children, held, error)) return std::nullopt;
  if (hooks.on_held) hooks.on_held(held);
  for (auto& child : children) kill(child->pid(), SIGUSR1);  // the same instant for all, give or take a few µs

  std::vector<RunResult> parts;
  for (unsigned i = 0; i < processes; ++i) {
    std::optional<ChildExit> exit;
    while (!(exit = children[i]->wait_exit(100ms))) {
      if (echo::stop_requested()) kill(children[i]->pid(), SIGINT);  // each stops, drains and reports
    }
    auto part = read_result_file(paths[i], error);
    if (!part) {
      error = fmt::format("load process {} {} without a result: {}", i, exit->describe(), error);
      return std::nullopt;
    }
    parts.push_back(std::move(*part));
  }
  auto merged = merge_results(parts, error);
  if (!merged) return std::nullopt;
  merged->options = o;
  merged->processes = processes;
  merged->source_addresses = sources;
  return merged;
}

void block_go_signal() {
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &go, nullptr);
}

bool wait_for_go(std::uint64_t held, std::string& error) {
  fmt::print("ready {}\n", held);
  std::fflush(stdout);
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, SIGUSR1);
  const timespec tick{0, 20'000'000};
  while (sigtimedwait(&go, nullptr, &tick) != SIGUSR1) {
    if (echo::stop_requested()) {
      error = "stopped before the load started";
      return false;
    }
  }
  return true;
}

}  // namespace echo::bench
