// echo-client: talk to a line server. On a terminal, a prompt; in a pipe, a filter.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "interactive_client.hpp"
#include "net.hpp"
#include "pipe_client.hpp"

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned short port = 7007;
  double timeout_s = 5;
  std::string framing = "line";
  bool chat = false;
  CLI::App app{"echo-client: send lines to a line server and print its replies.\n"
               "On a terminal: a >>> prompt with line editing and history. Otherwise: every input line is sent at\n"
               "once, every reply printed in order; the exit status is 0 only if every line was answered."};
  app.set_version_flag("--version", "echo-client " ECHO_VERSION);
  app.add_option("--host", host, "Server address")->capture_default_str();
  app.add_option("--port", port, "Server port")->capture_default_str();
  app.add_option("--framing", framing,
                 "line: one reply per line; raw: send bytes without framing (typed lines without their LF), "
                 "as the Python seeds' client does")
      ->check(CLI::IsMember({"line", "raw"}))
      ->capture_default_str();
  app.add_flag("--chat",
               chat,
               "Talking to echo-server --chat (not on a terminal): print every line received until the server "
               "closes after the end of input, instead of counting one reply per line");
  app.add_option("--connect-timeout", timeout_s, "Seconds to wait for the connection")->capture_default_str();
  app.footer("Examples: printf 'a\\nb\\n' | echo-client --port 7007   prints A and B\n"
             "          printf 'hi\\n/who\\n' | echo-client --chat   says hi to the lobby, lists who is there");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    fmt::print(stderr, "echo-client: {} (see echo-client --help)\n", e.what());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);  // a closed socket or stdout is an error to report, not a crash

  const std::string server = echo::format_endpoint(host, port);
  const int fd = echo::connect_tcp(host, port, std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
  if (fd < 0) {
    fmt::print(stderr, "echo-client: cannot connect to {}: {}\n", server, std::strerror(errno));
    return 1;
  }
  echo::set_nodelay(fd);
  const echo::Framing framing_chosen = *echo::parse_framing(framing);
  return isatty(0) ? echo::client::run_interactive(fd, server, framing_chosen)
                   : echo::client::run_pipe(fd, 0, 1, framing_chosen, chat);
}
