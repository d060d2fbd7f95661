#include "compare.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

#include "capacity_run.hpp"
#include "chat_run.hpp"
#include "compare_chat.hpp"
#include "compare_report.hpp"
#include "compare_result.hpp"
#include "cpu_set.hpp"
#include "launched_server.hpp"
#include "load_run.hpp"
#include "proc_info.hpp"
#include "server_modes.hpp"
#include "stop_signal.hpp"
#include "tree_sampler.hpp"

namespace echo::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ServerTarget {
  std::string name;
  std::string mode;  // empty for a peer
  std::string peer_command;
};

// One point to measure: a server under one load, once.
struct PointPlan {
  const ServerTarget* target;
  std::size_t connections;
  bool churn;
  unsigned repetition;
};

std::string default_out_dir() {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return fmt::format("results/compare-{}", stamp);
}

// "auto" splits the CPUs we may use: the first half for the server, the rest for the load, so
// the two never fight over a core. "none" leaves the scheduler free. Anything else is a list.
bool resolve_cpus(const std::string& server_text, const std::string& client_text, std::vector<int>& server,
                  std::vector<int>& client, std::string& error) {
  const std::vector<int> allowed = allowed_cpus();
  const std::size_t half = allowed.size() / 2;
  auto resolve = [&](const std::string& text, bool first_half, std::vector<int>& cpus, const char* option) {
    if (text == "none") return true;
    if (text == "auto") {
      if (allowed.size() >= 2)
        cpus.assign(first_half ? allowed.begin() : allowed.begin() + static_cast<long>(half),
                    first_half ? allowed.begin() + static_cast<long>(half) : allowed.end());
      return true;
    }
    auto parsed = parse_cpu_list(text);
    if (!parsed) {
      error = fmt::format("{} '{}' is not a CPU list (like 0, 0-3 or 0,2,4-5), auto or none", option, text);
      return false;
    }
    cpus = *parsed;
    return true;
  };
  return resolve(server_text, true, server, "--server-cpus") && resolve(client_text, false, client, "--client-cpus");
}

std::string replace_port(std::string command, unsigned short port) {
  for (auto at = command.find("{port}"); at != std::string::npos; at = command.find("{port}", at))
    command.replace(at, 6, std::to_string(port));
  return command;
}

bool has_option(const std::vector<std::string>& args, const std::string& name) {
  for (const auto& a : args)
    if (a == name || a.rfind(name + "=", 0) == 0) return true;
  return false;
}

// Prints `echo-bench: MESSAGE` on stderr and returns `code`, the exit code to stop with.
int stop_with(int code, const std::string& message) {
  fmt::print(stderr, "echo-bench: {}\n", message);
  return code;
}

std::vector<ServerTarget> server_targets(const CompareOptions& o) {
  std::vector<ServerTarget> targets;
  for (const auto& mode : o.modes) targets.push_back({mode, mode, ""});
  for (const auto& peer : o.peers) targets.push_back({peer.name, "", peer.command});
  return targets;
}

// Servers innermost: every server gets its turn at a point before the next point starts, so a
// noisy minute on the machine hits all of them alike instead of one server's every run.
std::vector<PointPlan> plan_points(const CompareOptions& o, const std::vector<ServerTarget>& targets) {
  const std::vector<bool> churn_kinds = o.churn ? std::vector<bool>{false, true} : std::vector<bool>{false};
  std::vector<PointPlan> plan;
  for (unsigned rep = 1; rep <= o.repeat; ++rep)
    for (const bool churn : churn_kinds)
      for (const std::size_t connections : o.connections)
        for (const ServerTarget& target : targets) plan.push_back({&target, connections, churn, rep});
  return plan;
}

// echo-server beside echo-bench unless --server says where; 0 when it can be run.
int find_echo_server(CompareOptions& o) {
  o.server = echo_server_path(o.server);
  if (o.modes.empty() || access(o.server.c_str(), X_OK) == 0) return 0;
  return stop_with(1, fmt::format("cannot run echo-server at {}: {} (build it, or give --server PATH)", o.server,
                                  std::strerror(errno)));
}

// Pins the load (this thread, before any other exists: the load threads inherit it) and returns,
// in `server_cpus`, where each server will be pinned. 0 when done.
int place_on_cpus(const CompareOptions& o, CompareReport& report, std::vector<int>& server_cpus) {
  std::vector<int> client_cpus;
  std::string error;
  if (!resolve_cpus(o.server_cpus, o.client_cpus, server_cpus, client_cpus, error)) return stop_with(2, error);
  if (!client_cpus.empty() && !pin_to(client_cpus))
    return stop_with(1, fmt::format("cannot run the load on CPUs {}: {}", format_cpu_list(client_cpus), std::strerror(errno)));
  report.server_cpus = format_cpu_list(server_cpus);
  report.client_cpus = format_cpu_list(client_cpus);
  return 0;
}

int make_out_dir(const CompareOptions& o, CompareReport& report) {
  report.out_dir = o.out.empty() ? default_out_dir() : o.out;
  std::error_code ec;
  fs::create_directories(fs::path(report.out_dir) / "logs", ec);
  return ec ? stop_with(1, fmt::format("cannot create {}: {}", report.out_dir, ec.message())) : 0;
}

void announce(const CompareOptions& o, const CompareReport& report, std::size_t points) {
  fmt::print(stderr, "echo-bench compare: {} points, about {:.0f} s; server CPUs {}, load CPUs {}; writing {}\n", points,
             static_cast<double>(points) * (o.load.duration_s + o.load.warmup_s + 0.3),
             report.server_cpus.empty() ? "any" : report.server_cpus,
             report.client_cpus.empty() ? "any" : report.client_cpus, report.out_dir);
}

// How to start the target: echo-server in its mode on a port it picks, or the peer's command on
// a free port. nullopt with `error` set when no port is free for a peer.
std::optional<LaunchSpec> launch_spec(const CompareOptions& o, const ServerTarget& target, const std::string& out_dir,
                                      const std::vector<int>& server_cpus, std::string& error) {
  LaunchSpec spec;
  spec.cpus = server_cpus;
  spec.log_path = (fs::path(out_dir) / "logs" / (target.name + ".log")).string();
  if (!target.mode.empty()) {
    spec.name = fmt::format("echo-server --mode {}", target.mode);
    spec.argv = {o.server, "--mode", target.mode, "--port", "0"};
    // Per-connection logs would cost the server time that is not its design's.
    if (!has_option(o.server_args, "--log-level")) spec.argv.insert(spec.argv.end(), {"--log-level", "warn"});
    if (o.chat) add_chat_server_args(o, spec.argv);
    spec.argv.insert(spec.argv.end(), o.server_args.begin(), o.server_args.end());
    return spec;
  }
  const auto port = pick_free_port();
  if (!port) {
    error = fmt::format("no free port for peer {}", target.name);
    return std::nullopt;
  }
  spec.name = fmt::format("peer {}", target.name);
  spec.known_port = *port;
  spec.argv = {"/bin/sh", "-c", "exec " + replace_port(target.peer_command, *port)};
  return spec;
}

// One point against a server already started: the load while sampling the server's process tree,
// then the server stopped and what it cost.
Point measure_point(const CompareOptions& o, const PointPlan& plan, LaunchedServer& server, const std::string& label) {
  Point point;
  point.server = plan.target->name;
  point.connections = plan.connections;
  point.churn = plan.churn;
  point.repetition = plan.repetition;
  RunOptions load = o.load;
  load.host = server.host();
  load.port = server.port();
  load.connections = plan.connections;
  load.churn = plan.churn;
  load.progress = isatty(2) != 0;
  load.label = label;
  std::string error;
  {
    TreeSampler sampler(server.pid(), 100ms);
    const MemoryReading before = read_memory(server.pid());
    RunHooks hooks;
    hooks.on_held = [&](std::uint64_t held) { point.memory = per_connection(before, read_memory(server.pid()), held); };
    if (o.chat)
      point.chat = run_chat(chat_load(o, load, server.pid()), error);
    else
      point.run = run_load(load, error, hooks);
    point.peak = sampler.peak();
  }
  point.cost = server.stop();
  if (!point.run && !point.chat) point.error = error;
  return point;
}

// 0 only when every planned point was measured without a failure.
int exit_code_of(const CompareReport& report, int exit_code) {
  if (report.interrupted && exit_code == 0) exit_code = echo::stop_requested() ? 130 : 1;
  for (const Point& p : report.points)
    if (!p.error.empty() && exit_code == 0) exit_code = 1;
  return exit_code;
}

// compare --capacity: a fresh server per target, searched for its capacity (compare_capacity.cpp
// reports it). 0 when every search ran.
int compare_capacities(CompareOptions o, const std::vector<ServerTarget>& targets, CompareReport& report,
                       const std::vector<int>& server_cpus) {
  int exit_code = 0;
  for (std::size_t i = 0; i < targets.size() && !echo::stop_requested(); ++i) {
    CapacityOutcome outcome;
    outcome.server = targets[i].name;
    outcome.connections = o.connections.front();
    std::string error;
    const auto spec = launch_spec(o, targets[i], report.out_dir, server_cpus, error);
    const auto server = spec ? LaunchedServer::start(*spec, error) : nullptr;
    if (!server) {
      outcome.error = error;
      exit_code = stop_with(1, error);
    } else {
      RunOptions load = o.load;
      load.host = server->host();
      load.port = server->port();
      load.connections = outcome.connections;
      load.progress = true;
      outcome.result = measure_capacity(load, o.capacity, fmt::format("[{}/{}] {}", i + 1, targets.size(), targets[i].name));
      fmt::print(stderr, "[{}/{}] {}: {}\n", i + 1, targets.size(), targets[i].name, capacity_answer(o.capacity, outcome.result));
      if (!outcome.result.stopped_why.empty()) exit_code = 1;
      server->stop();
    }
    report.capacities.push_back(std::move(outcome));
  }
  report.interrupted = echo::stop_requested();
  report.options = std::move(o);
  if (!write_reports(report)) exit_code = 1;
  return report.interrupted ? 130 : exit_code;
}

}  // namespace

int run_compare(CompareOptions o) {
  const std::vector<ServerTarget> targets = server_targets(o);
  if (targets.empty()) return stop_with(2, "nothing to compare: give --modes or --peer");
  if (const int code = find_echo_server(o)) return code;
  CompareReport report;
  std::vector<int> server_cpus;
  if (const int code = place_on_cpus(o, report, server_cpus)) return code;
  if (const int code = make_out_dir(o, report)) return code;
  if (o.capacity.p99_us > 0) return compare_capacities(std::move(o), targets, report, server_cpus);
  const std::vector<PointPlan> plan = plan_points(o, targets);
  announce(o, report, plan.size());

  int exit_code = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (echo::stop_requested()) report.interrupted = true;
    if (report.interrupted) break;
    const PointPlan& p = plan[i];
    std::string error;
    const auto spec = launch_spec(o, *p.target, report.out_dir, server_cpus, error);
    if (!spec) return stop_with(1, error);
    const auto server = LaunchedServer::start(*spec, error);
    if (!server) {
      exit_code = stop_with(1, error);
      report.interrupted = true;  // stop here, but keep what was measured
      break;
    }
    const std::string label =
        fmt::format("[{}/{}] {} c={}{}", i + 1, plan.size(), p.target->name, p.connections, p.churn ? " churn" : "");
    Point point = measure_point(o, p, *server, label);
    if ((point.run && point.run->interrupted) || (point.chat && point.chat->interrupted)) report.interrupted = true;
    fmt::print(stderr, "{}\n", o.chat ? chat_point_summary(label, point) : point_summary(label, point));
    report.points.push_back(std::move(point));
  }
  report.options = std::move(o);
  if (!(report.options.chat ? write_chat_reports(report) : write_reports(report))) exit_code = 1;
  return exit_code_of(report, exit_code);
}

}  // namespace echo::bench
