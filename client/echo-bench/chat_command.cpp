#include "chat_command.hpp"

#include <fmt/format.h>

#include "chat_report.hpp"
#include "chat_run.hpp"

namespace echo::bench {

void add_chat_command(CLI::App& app, ChatCommand& command) {
  ChatOptions& o = command.options;
  CLI::App* chat = command.app = app.add_subcommand(
      "chat", "Load-test an echo-server --chat: clients in rooms, some sending, every delivery checked");
  chat->add_option("--host", o.host, "Server address")->capture_default_str();
  chat->add_option("--port", o.port, "Server port")->capture_default_str();
  chat->add_option("-c,--clients", o.clients, "Clients, all rooms together")->capture_default_str();
  chat->add_option("--rooms", o.rooms, "Rooms; client i joins room i % ROOMS")->capture_default_str();
  chat->add_option("--senders", o.senders, "Clients that send, spread over the rooms in turn")->capture_default_str();
  chat->add_option("--rate", o.rate, "Open loop: messages per second, all senders together (0: closed loop)")
      ->capture_default_str();
  chat->add_option("-p,--window", o.window, "Closed loop: a sender's messages on their way back to it")
      ->capture_default_str();
  chat->add_option("-d,--duration", o.duration_s, "Seconds of sending measured")->capture_default_str();
  chat->add_option("--warmup", o.warmup_s, "Seconds of sending before -d, checked but not measured")->capture_default_str();
  chat->add_option("--timeout", o.timeout_s, "Seconds for connects, joins, and the last deliveries")->capture_default_str();
  chat->add_option("-t,--threads", o.threads, "Load threads (default: one per CPU we may use)");
  chat->add_flag("--json", command.json, "Print one JSON object on stdout instead of the report");
  chat->add_flag("-q,--quiet", command.quiet, "No progress line on stderr");
}

int run_chat_command(ChatCommand& command) {
  command.options.progress = !command.quiet;
  if (auto bad = validate(command.options)) {
    fmt::print(stderr, "echo-bench: {} (see echo-bench chat --help)\n", *bad);
    return 2;
  }
  std::string error;
  const auto result = run_chat(command.options, error);
  if (!result) {
    fmt::print(stderr, "echo-bench: {}\n", error);
    return 1;
  }
  fmt::print("{}", command.json ? json_report(*result) + "\n" : human_report(*result));
  if (result->interrupted) return 130;
  return result->errors() == 0 ? 0 : 3;
}

}  // namespace echo::bench
