// echo-server: one line protocol, served one way per --mode (servers/backend.cpp lists them).
// This file is the part the modes share: options, the listening socket, the ready line,
// signals, and the totals at the end.

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "backend.hpp"
#include "counters.hpp"
#include "logging.hpp"
#include "net.hpp"
#include "proc_info.hpp"
#include "stop_signal.hpp"

namespace {

// CLI11 2.1's own NonNegativeNumber prints DBL_MAX in full when it fails.
const CLI::Validator kSeconds(
    [](std::string& text) -> std::string {
      try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size() && value >= 0 && value <= 1e6) return {};
      } catch (const std::exception&) {
      }
      return "'" + text + "' is not a number of seconds from 0 to 1000000";
    },
    "SECONDS");

std::vector<std::string> mode_names() {
  std::vector<std::string> names;
  for (const auto& b : echo::backends()) names.emplace_back(b.name);
  return names;
}

std::string mode_help(const std::string& default_mode) {
  std::string help = fmt::format("how connections are served (default: {}):", default_mode);
  for (const auto& b : echo::backends()) help += fmt::format("\n  {:<7}{}", b.name, b.description);
  return help;
}

std::string max_connections_help() {
  std::string defaults;
  for (const auto& b : echo::backends())
    defaults += fmt::format("{}{} {}", defaults.empty() ? "" : ", ", b.name, b.default_max_connections);
  return "open connections at most; more get 'ERR server busy' (default: " + defaults + ")";
}

// For people and scripts (echo-bench compare, the tests): `names` prints one mode per line;
// `tsv` adds each mode's default --max-connections and its description, tab-separated.
void list_modes(const std::string& format) {
  for (const auto& b : echo::backends()) {
    if (format == "tsv") fmt::print("{}\t{}\t{}\n", b.name, b.default_max_connections, b.description);
    else fmt::print("{}\n", b.name);
  }
}

}  // namespace

int main(int argc, char** argv) {
  echo::ServerConfig config;
  std::string mode = "coro";
  std::string transform = "upper";
  std::string framing = "line";
  std::string listener_sharing = "shared";
  std::string log_level = "info";
  double idle_timeout_s = 0;
  int port = config.port;

  CLI::App app{fmt::format("echo-server: a line-based upper-case/echo server, served {} ways (--mode).",
                           echo::backends().size())};
  app.set_version_flag("--version", "echo-server " ECHO_VERSION);
  app.add_option("--mode", mode, mode_help(mode))->check(CLI::IsMember(mode_names()));
  std::string list_format;
  const auto* list = app.add_option("--list-modes", list_format,
                                    "print the modes, one name per line, and exit; =tsv: each with its default "
                                    "--max-connections and description, tab-separated")
                         ->expected(0, 1)
                         ->default_str("names")
                         ->check(CLI::IsMember({"names", "tsv"}));
  app.add_option("--host", config.host, "address to bind (default 127.0.0.1)");
  app.add_option("--port", port, "TCP port; 0 takes a free one (default 7007)")->check(CLI::Range(0, 65535));
  app.add_option("--workers", config.workers, "pool threads or hybrid processes (default: the number of cores it may use)")->check(CLI::Range(1u, 4096u));
  app.add_option("--listener", listener_sharing,
                 "hybrid: how workers share the port: shared (one inherited socket, default) or reuseport "
                 "(a socket each, SO_REUSEPORT)")
      ->check(CLI::IsMember({"shared", "reuseport"}));
  app.add_option("--transform", transform, "upper: a-z become A-Z; echo: lines come back unchanged")
      ->check(CLI::IsMember({"upper", "echo"}));
  app.add_option("--framing", framing,
                 "line: one reply per line (default); raw: every chunk read is answered at once, "
                 "transformed, with no framing (the Python seeds' recv/send protocol)")
      ->check(CLI::IsMember({"line", "raw"}));
  app.add_option("--max-line", config.max_line, "longest line in bytes, LF not counted (default 65536)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  auto* chat = app.add_flag("--chat", config.chat,
                            "chat: clients talk to each other in rooms (lobby first); /nick NAME, /join ROOM, "
                            "/who, /quit");
  app.add_option("--max-backlog", config.max_backlog,
                 "chat: a member's undelivered output in bytes at most; past it, it is disconnected "
                 "(default 1048576)")
      ->check(CLI::Range(std::size_t{256}, std::size_t{1} << 32))
      ->needs(chat);
  app.add_option("--max-connections", config.max_connections, max_connections_help())
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
  app.add_option("--idle-timeout", idle_timeout_s, "close connections silent this many seconds; 0 = never (default)")
      ->check(kSeconds);
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "echo-server: {} (see --help)\n", e.what());
    return 2;
  }
  if (list->count() > 0) {
    list_modes(list_format);
    return 0;
  }
  if (config.chat && framing == "raw") {
    fmt::print(stderr, "echo-server: --chat speaks lines; --framing raw is not for chat (see --help)\n");
    return 2;
  }

  const echo::Backend* backend = echo::find_backend(mode);
  config.port = static_cast<unsigned short>(port);
  config.transform = *echo::parse_transform(transform);
  config.framing = *echo::parse_framing(framing);
  config.listener = listener_sharing == "reuseport" ? echo::ListenerSharing::reuseport : echo::ListenerSharing::shared;
  config.idle_timeout = std::chrono::milliseconds(static_cast<long>(std::llround(idle_timeout_s * 1000)));
  if (config.max_connections == 0) config.max_connections = backend->default_max_connections;
  // The cores this process may run on (taskset, cpusets), not every core of the machine.
  if (config.workers == 0) config.workers = static_cast<unsigned>(std::max<std::size_t>(1, echo::allowed_cpus().size()));
  echo::setup_logging(log_level, "echo-server");

  echo::Counters& counters = echo::make_shared_counters();  // before any fork or thread
  echo::install_stop_handlers();
  const std::size_t fd_limit = echo::raise_fd_limit();
  if (const std::size_t needed = echo::descriptors_per_process(*backend, config); fd_limit < needed + 16)
    spdlog::warn("open-file limit is {}, lower than the {} connections one {} process would hold for "
                 "--max-connections {}: connections past it will be turned away",
                 fd_limit, needed, backend->name, config.max_connections);

  echo::Listener listener;
  try {
    // hybrid's workers may each bind the port too (--listener reuseport).
    const bool reuse_port = backend->name == "hybrid" && config.listener == echo::ListenerSharing::reuseport;
    listener = echo::listen_tcp(config.host, config.port, echo::kListenBacklog,
                                reuse_port ? echo::PortSharing::start_group : echo::PortSharing::exclusive);
  } catch (const std::exception& e) {
    fmt::print(stderr, "echo-server: {}\n", e.what());
    return 1;
  }
  fmt::print("listening on {}\n", echo::format_endpoint(listener.host, listener.port));
  std::fflush(stdout);
  spdlog::info("mode {}: {}; max-connections {}, max-line {}, idle-timeout {}{}", backend->name, backend->description,
               config.max_connections, config.max_line,
               config.idle_timeout.count() ? fmt::format("{} ms", config.idle_timeout.count()) : "none",
               config.chat ? fmt::format("; chat, max-backlog {}", config.max_backlog) : "");

  backend->run(config, listener, counters);

  fmt::print(stderr, "echo-server: stopped. {}{}\n", counters.summary(),
             config.chat ? "; " + counters.chat_summary() : std::string());
  return 0;
}
