// echo-bench: load-test a line server (`run`), or every echo-server mode side by side (`compare`).
// This file is only the command line; the work is in load_run.cpp and compare.cpp.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sstream>

#include "chat_command.hpp"
#include "compare.hpp"
#include "agent_share.hpp"
#include "capacity_run.hpp"
#include "load_run.hpp"
#include "run_outputs.hpp"
#include "run_report.hpp"
#include "server_modes.hpp"
#include "stop_signal.hpp"

using namespace echo::bench;

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kErrorsCounted = 3, kInterrupted = 130;

// Options run and compare share: the shape of the load.
void add_load_options(CLI::App& cmd, RunOptions& o, std::string& expect) {
  cmd.add_option("-s,--size", o.size, "Bytes per request, LF included (the reply is as long)")->capture_default_str();
  cmd.add_option("-p,--pipeline", o.pipeline, "Lines in flight per connection")->capture_default_str();
  cmd.add_option("-t,--threads", o.threads, "Load threads (default: one per CPU we may use)");
  cmd.add_option("--warmup", o.warmup_s, "Seconds of uncounted load before -d starts")->capture_default_str();
  cmd.add_option("--timeout", o.timeout_s, "Seconds a connect or a reply may take before it counts as an error")
      ->capture_default_str();
  cmd.add_option("--connect-rate", o.connect_rate,
                 "Start at most R connects per second (default: as fast as the server's kernel completes them); "
                 "for servers that accept slowly, e.g. fork");
  cmd.add_option("--idle", o.idle, "Also hold N connections open and silent for the whole run (each answers one line at the end)")
      ->capture_default_str();
  cmd.add_option("--expect", expect, "What every reply must be: the request upper-cased, echoed, or not checked")
      ->check(CLI::IsMember({"upper", "echo", "none"}))
      ->capture_default_str();
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string joined_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i == 0) arg = "echo-bench";
    if (arg.find_first_of(" '\"{}") != std::string::npos) arg = "'" + arg + "'";
    line += (i ? " " : "") + arg;
  }
  return line;
}

int do_run(const RunOptions& o, bool json, const OutputFiles& files) {
  std::string error;
  const auto result = run_load(o, error);
  if (!result) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return kFailed;
  }
  if (!write_outputs(*result, files, error)) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return kFailed;
  }
  fmt::print("{}", json ? json_report(*result) + "\n" : human_report(*result));
  if (!o.hold) warn_about_generator(*result);  // a load process: its parent warns about the whole run
  if (result->interrupted) return kInterrupted;
  return result->errors() == 0 ? kOk : kErrorsCounted;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"echo-bench: load-test a line-based echo server, or compare echo-server's modes side by side."};
  app.set_version_flag("--version", "echo-bench " ECHO_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  echo-bench run --port 7007 -c 100 -d 10          closed loop, 100 connections, 10 s\n"
      "  echo-bench run --port 7007 -c 50 --rate 20000    open loop at 20000 requests/s\n"
      "  echo-bench compare -c 1,10,100 -d 3              every mode, three loads, table + chart\n"
      "  echo-bench chat --port 7007 -c 100 --senders 5   a --chat server: 100 members, 5 sending\n"
      "Exit status: 0 clean, 1 could not run, 2 bad options, 3 ran but counted errors, 4 (capacity) no rate met the\n"
      "target, 130 interrupted.\n"
      "See docs/BENCH.md for what each number means.");

  RunOptions run_opts;
  bool json = false;
  std::string run_expect = "upper";
  CLI::App* run = app.add_subcommand("run", "Load-test one server that speaks the protocol (lines, or --framing raw)");
  run->add_option("--host", run_opts.host, "Server address")->capture_default_str();
  run->add_option("--port", run_opts.port, "Server port")->capture_default_str();
  run->add_option("-c,--connections", run_opts.connections, "Concurrent connections")->capture_default_str();
  auto* duration = run->add_option("-d,--duration", run_opts.duration_s, "Seconds to measure")->capture_default_str();
  run->add_option("-n,--requests", run_opts.requests, "Stop after this many replies instead (no warm-up)")
      ->excludes(duration);
  run->add_option("--rate", run_opts.rate, "Open loop: total requests per second (latency from when each was due)");
  run->add_flag("--churn", run_opts.churn, "A new connection for every request: connect, one line, reply, close");
  run->add_flag("--json", json, "Print one JSON object on stdout instead of the report");
  bool quiet = false;
  run->add_flag("-q,--quiet", quiet, "No progress line on stderr");
  add_load_options(*run, run_opts, run_expect);
  OutputFiles run_files;
  run->add_option("--result", run_files.result, "Also write the whole result (histogram included) to FILE, for `merge`");
  run->add_option("--hgrm", run_files.hgrm, "Also write the latency distribution to FILE in HdrHistogram's .hgrm text (us)");
  std::string agent;
  run->add_option("--agent", agent, "I/N: be agent I (from 0) of N, running its share of -c, --rate and -n");
  run->add_option("--start-at", run_opts.start_at, "Unix time (seconds) to start the load at; all agents give the same");
  // Set by a run that splits itself over load processes (load_processes.hpp), not by users.
  run->add_option("--sources", run_opts.sources, "Source addresses the whole run spreads over")->group("");
  run->add_flag("--hold", run_opts.hold, "Say `ready N` once connected; start on SIGUSR1")->group("");
  std::string run_framing = "line";
  run->add_option("--framing", run_framing,
                  "line, or raw: the seeds' protocol (-s letters, no LF; a request is answered once as many bytes "
                  "came back, every one checked)")
      ->check(CLI::IsMember({"line", "raw"}))
      ->capture_default_str();

  ChatCommand chat;
  add_chat_command(app, chat);

  std::vector<std::string> merge_paths;
  OutputFiles merge_files_out;
  CLI::App* merge = app.add_subcommand("merge", "Add up result files of agents that ran one load (run --result)");
  merge->add_option("files", merge_paths, "Result files written by run --result")->required();
  merge->add_flag("--json", json, "Print one JSON object on stdout instead of the report");
  merge->add_option("--result", merge_files_out.result, "Also write the merged result to FILE");
  merge->add_option("--hgrm", merge_files_out.hgrm, "Also write the merged latency distribution (.hgrm, us) to FILE");

  RunOptions cap_load;
  cap_load.duration_s = 3;
  CapacityOptions cap;
  std::string cap_expect = "upper";
  bool cap_quiet = false;
  CLI::App* capacity =
      app.add_subcommand("capacity", "Find the highest open-loop rate a server holds with p99 under a target, no errors");
  capacity->add_option("--p99", cap.p99_us, "The p99 target, in microseconds")->required();
  capacity->add_option("--p99-tolerance", cap.tolerance, "A rate still holds with p99 up to target × (1 + this), e.g. 0.1")
      ->capture_default_str();
  capacity->add_option("--host", cap_load.host, "Server address")->capture_default_str();
  capacity->add_option("--port", cap_load.port, "Server port")->capture_default_str();
  capacity->add_option("-c,--connections", cap_load.connections, "Concurrent connections")->capture_default_str();
  capacity->add_option("-d,--duration", cap_load.duration_s, "Seconds measured per step")->capture_default_str();
  capacity->add_option("--start-rate", cap.start_rate, "First rate tried (req/s); doubled or halved from there")
      ->capture_default_str();
  capacity->add_option("--min-rate", cap.min_rate, "Give up below this rate")->capture_default_str();
  capacity->add_option("--max-rate", cap.max_rate, "Do not try above this rate")->capture_default_str();
  capacity->add_option("--precision", cap.precision, "Bisect until the bracket is this narrow (relative)")
      ->capture_default_str();
  capacity->add_option("--max-steps", cap.max_steps, "At most this many steps")->capture_default_str();
  capacity->add_flag("--json", json, "Print one JSON object on stdout instead of the report");
  capacity->add_flag("-q,--quiet", cap_quiet, "No line per step on stderr");
  add_load_options(*capacity, cap_load, cap_expect);

  CompareOptions cmp;
  cmp.load.duration_s = 3;
  std::string cmp_expect = "upper", server_args;
  std::vector<std::string> peers;
  CLI::App* compare = app.add_subcommand("compare", "Start echo-server in each mode and put them under the same loads");
  const auto* modes = compare->add_option("--modes", cmp.modes, "Modes to compare (default: every mode echo-server lists)")
                         ->delimiter(',');
  compare->add_option("-c,--connections", cmp.connections, "Connection counts, one point each")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  compare->add_option("-d,--duration", cmp.load.duration_s, "Seconds measured per point")->capture_default_str();
  compare->add_option("--repeat", cmp.repeat, "Runs per point; the table shows the median by throughput")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  compare->add_flag("--churn", cmp.churn, "Also run churn (a connection per request) at each connection count");
  compare->add_option("--server", cmp.server, "echo-server to start (default: the one beside echo-bench)");
  compare->add_option("--server-args", server_args, "Extra arguments for echo-server, e.g. '--workers 4'");
  compare->add_option("--server-cpus", cmp.server_cpus, "CPUs for the server: a list (0-1,3), auto or none")
      ->capture_default_str();
  compare->add_option("--client-cpus", cmp.client_cpus, "CPUs for the load: a list, auto or none")->capture_default_str();
  compare->add_option("--peer", peers, "Another server to compare: NAME='command with {port}' (repeatable)");
  compare->add_option("--capacity", cmp.capacity.p99_us,
                      "Instead of the points: each server's capacity under this p99 (us), at one -c (default 10)");
  compare->add_option("--p99-tolerance", cmp.capacity.tolerance, "With --capacity: slack on the target, e.g. 0.1");
  compare->add_option("--start-rate", cmp.capacity.start_rate, "With --capacity: first rate tried")->capture_default_str();
  compare->add_option("--max-rate", cmp.capacity.max_rate, "With --capacity: highest rate tried")->capture_default_str();
  compare->add_option("--out", cmp.out, "Folder for results.md, results.json, chart.png (default: results/compare-DATE)");
  add_load_options(*compare, cmp.load, cmp_expect);
  compare->add_flag("--chat", cmp.chat, "The chat load (echo-bench chat, -c clients) on every mode run with --chat");
  compare->add_option("--rooms", cmp.rooms, "--chat: rooms the clients are spread over")->capture_default_str();
  compare->add_option("--senders", cmp.senders, "--chat: clients that send")->capture_default_str();
  compare->add_option("--chat-rate", cmp.chat_rate, "--chat: messages per second, all senders together (0: closed loop)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const auto subs = app.get_subcommands();
    fmt::print(stderr, "echo-bench: {} (see echo-bench {}--help)\n", e.what(),
               subs.empty() ? "" : subs.front()->get_name() + " ");
    return kUsage;
  }
  echo::install_stop_handlers();  // Ctrl-C: stop the load (and compare's server), report, exit

  if (run->parsed()) {
    run_opts.expect = *parse_expect(run_expect);
    run_opts.framing = *echo::parse_framing(run_framing);
    run_opts.progress = !quiet;
    if (run_opts.requests != 0) run_opts.warmup_s = 0;
    std::string agent_error;
    if (!agent.empty() && !parse_agent(agent, run_opts.agent_index, run_opts.agent_count, agent_error)) {
      fmt::print(stderr, "echo-bench: {} (see echo-bench run --help)\n", agent_error);
      return kUsage;
    }
    auto bad = apply_agent_share(run_opts);
    if (!bad && run_opts.start_at != 0) bad = check_start_time(run_opts.start_at);
    if (!bad) bad = validate(run_opts);
    if (bad) {
      fmt::print(stderr, "echo-bench: {} (see echo-bench run --help)\n", *bad);
      return kUsage;
    }
    return do_run(run_opts, json, run_files);
  }
  if (merge->parsed()) return merge_files(merge_paths, json, merge_files_out);
  if (capacity->parsed()) {
    cap_load.expect = *parse_expect(cap_expect);
    cap_load.progress = !cap_quiet;
    cap_load.rate = cap.start_rate;
    auto bad = validate(cap);
    if (!bad) bad = validate(cap_load);
    if (bad) {
      fmt::print(stderr, "echo-bench: {} (see echo-bench capacity --help)\n", *bad);
      return kUsage;
    }
    return run_capacity(cap_load, cap, json);
  }
  if (chat.app->parsed()) return run_chat_command(chat);

  cmp.load.expect = *parse_expect(cmp_expect);
  if (cmp.capacity.p99_us > 0) {  // compare --capacity: one connection count
    if (compare->count("-c") == 0) cmp.connections = {10};
    std::optional<std::string> bad;
    if (cmp.connections.size() != 1) bad = "--capacity searches at one connection count: give one -c";
    if (!bad) bad = validate(cmp.capacity);
    if (bad) {
      fmt::print(stderr, "echo-bench: {} (see echo-bench compare --help)\n", *bad);
      return kUsage;
    }
  }
  cmp.server_args = split_words(server_args);
  for (const std::string& p : peers) {
    const auto eq = p.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == p.size()) {
      fmt::print(stderr, "echo-bench: --peer wants NAME='command with {{port}}', not '{}'\n", p);
      return kUsage;
    }
    cmp.peers.push_back({p.substr(0, eq), p.substr(eq + 1)});
  }
  // The modes are the echo-server's own (its --list-modes): the default, and what --modes may name.
  std::string modes_error;
  if (const int code = resolve_modes(cmp.server, modes->count() > 0, cmp.modes, modes_error); code != 0) {
    fmt::print(stderr, "echo-bench: {}\n", modes_error);
    return code;
  }
  if (cmp.chat && cmp.capacity.p99_us > 0) {
    fmt::print(stderr, "echo-bench: --chat and --capacity do not go together (see echo-bench compare --help)\n");
    return kUsage;
  }
  if (cmp.chat && cmp.churn) {
    fmt::print(stderr, "echo-bench: --chat and --churn do not go together (see echo-bench compare --help)\n");
    return kUsage;
  }
  cmp.command_line = joined_command_line(argc, argv);
  RunOptions check = cmp.load;
  check.connections = 1;
  if (auto bad = validate(check)) {
    fmt::print(stderr, "echo-bench: {} (see echo-bench compare --help)\n", *bad);
    return kUsage;
  }
  return run_compare(std::move(cmp));
}
