#include "compare.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "compare_report.hpp"
#include "compare_result.hpp"
#include "cpu_set.hpp"
#include "launched_server.hpp"
#include "load_run.hpp"
#include "proc_info.hpp"
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

}  // namespace

int run_compare(CompareOptions o) {
  std::vector<ServerTarget> targets;
  for (const auto& mode : o.modes) targets.push_back({mode, mode, ""});
  for (const auto& peer : o.peers) targets.push_back({peer.name, "", peer.command});
  if (targets.empty()) {
    fmt::print(stderr, "echo-bench: nothing to compare: give --modes or --peer\n");
    return 2;
  }
  if (o.server.empty()) o.server = (fs::read_symlink("/proc/self/exe").parent_path() / "echo-server").string();
  if (!o.modes.empty() && access(o.server.c_str(), X_OK) != 0) {
    fmt::print(stderr, "echo-bench: cannot run echo-server at {}: {} (build it, or give --server PATH)\n", o.server,
               std::strerror(errno));
    return 1;
  }

  CompareReport report;
  std::vector<int> server_cpus, client_cpus;
  std::string error;
  if (!resolve_cpus(o.server_cpus, o.client_cpus, server_cpus, client_cpus, error)) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return 2;
  }
  // Pin ourselves now, before any thread exists: the load threads inherit it.
  if (!client_cpus.empty() && !pin_to(client_cpus)) {
    fmt::print(stderr, "echo-bench: cannot run the load on CPUs {}: {}\n", format_cpu_list(client_cpus), std::strerror(errno));
    return 1;
  }
  report.server_cpus = format_cpu_list(server_cpus);
  report.client_cpus = format_cpu_list(client_cpus);

  report.out_dir = o.out.empty() ? default_out_dir() : o.out;
  std::error_code ec;
  fs::create_directories(fs::path(report.out_dir) / "logs", ec);
  if (ec) {
    fmt::print(stderr, "echo-bench: cannot create {}: {}\n", report.out_dir, ec.message());
    return 1;
  }

  const std::vector<bool> churn_kinds = o.churn ? std::vector<bool>{false, true} : std::vector<bool>{false};
  const std::size_t total = targets.size() * churn_kinds.size() * o.connections.size() * o.repeat;
  fmt::print(stderr, "echo-bench compare: {} points, about {:.0f} s; server CPUs {}, load CPUs {}; writing {}\n", total,
             static_cast<double>(total) * (o.load.duration_s + o.load.warmup_s + 0.3),
             report.server_cpus.empty() ? "any" : report.server_cpus,
             report.client_cpus.empty() ? "any" : report.client_cpus, report.out_dir);

  int exit_code = 0;
  std::size_t index = 0;
  // Servers innermost: every server gets its turn at a point before the next point starts, so a
  // noisy minute on the machine hits all of them alike instead of one server's every run.
  for (unsigned rep = 1; rep <= o.repeat; ++rep) {
    for (const bool churn : churn_kinds) {
      for (const std::size_t connections : o.connections) {
        for (const ServerTarget& target : targets) {
          if (echo::stop_requested()) report.interrupted = true;
          if (report.interrupted) break;
          ++index;
          LaunchSpec spec;
          spec.cpus = server_cpus;
          spec.log_path = (fs::path(report.out_dir) / "logs" / (target.name + ".log")).string();
          if (!target.mode.empty()) {
            spec.name = fmt::format("echo-server --mode {}", target.mode);
            spec.argv = {o.server, "--mode", target.mode, "--port", "0"};
            // Per-connection logs would cost the server time that is not its design's.
            if (!has_option(o.server_args, "--log-level")) spec.argv.insert(spec.argv.end(), {"--log-level", "warn"});
            spec.argv.insert(spec.argv.end(), o.server_args.begin(), o.server_args.end());
          } else {
            const auto port = pick_free_port();
            if (!port) {
              fmt::print(stderr, "echo-bench: no free port for peer {}\n", target.name);
              return 1;
            }
            spec.name = fmt::format("peer {}", target.name);
            spec.known_port = *port;
            spec.argv = {"/bin/sh", "-c", "exec " + replace_port(target.peer_command, *port)};
          }

          auto server = LaunchedServer::start(spec, error);
          if (!server) {
            fmt::print(stderr, "echo-bench: {}\n", error);
            exit_code = 1;
            report.interrupted = true;  // stop here, but keep what was measured
            break;
          }
          Point point;
          point.server = target.name;
          point.connections = connections;
          point.churn = churn;
          point.repetition = rep;
          RunOptions load = o.load;
          load.host = server->host();
          load.port = server->port();
          load.connections = connections;
          load.churn = churn;
          load.progress = isatty(2) != 0;
          load.label = fmt::format("[{}/{}] {} c={}{}", index, total, target.name, connections, churn ? " churn" : "");
          {
            TreeSampler sampler(server->pid(), 100ms);
            point.run = run_load(load, error);
            point.peak = sampler.peak();
          }
          point.cost = server->stop();
          if (!point.run) point.error = error;
          if (point.run && point.run->interrupted) report.interrupted = true;
          fmt::print(stderr, "{}\n", point_summary(load.label, point));
          report.points.push_back(std::move(point));
        }
      }
    }
  }
  report.options = std::move(o);
  if (!write_reports(report)) exit_code = 1;
  if (report.interrupted && exit_code == 0) exit_code = echo::stop_requested() ? 130 : 1;
  for (const Point& p : report.points)
    if (!p.error.empty() && exit_code == 0) exit_code = 1;
  return exit_code;
}

}  // namespace echo::bench
