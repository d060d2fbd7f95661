#include "interactive_client.hpp"

#include <editline/readline.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <utility>

namespace echo::client {
namespace {

constexpr int kReplyTimeoutMs = 10000;

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) + "/.echo_client_history" : std::string();
}

// Reads one reply into `reply`: a line without its LF, or in raw framing `raw_size` bytes (the
// server answers byte for byte, in chunks of its own choosing). Returns an empty string on
// success, otherwise why the conversation is over.
std::string read_reply(int fd, std::string& pending, std::string& reply, std::size_t raw_size, bool raw) {
  while (true) {
    const auto end = raw ? (pending.size() >= raw_size ? raw_size : std::string::npos) : pending.find('\n');
    if (end != std::string::npos) {
      reply = pending.substr(0, end);
      pending.erase(0, raw ? end : end + 1);
      return {};
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, kReplyTimeoutMs);
    if (ready == 0) return fmt::format("no reply within {} s", kReplyTimeoutMs / 1000);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) return "the server closed the connection";
    if (n < 0) return fmt::format("the connection broke: {}", std::strerror(errno));
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

// Whatever the server said on its own (e.g. `ERR idle timeout`) while we waited at the prompt.
std::string unsolicited(int fd, std::string& pending, bool& closed) {
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      pending.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    closed = n == 0 || (errno != EAGAIN && errno != EINTR);
    return std::exchange(pending, {});
  }
}

}  // namespace

int run_interactive(int fd, const std::string& server, Framing framing) {
  const bool raw = framing == Framing::raw;
  // libedit reads multibyte characters only in the user's locale; in the default "C" locale it
  // drops every byte >= 0x80, and "wörld" would be sent as "wrld".
  std::setlocale(LC_CTYPE, "");
  const std::string history = history_path();
  using_history();
  if (!history.empty()) read_history(history.c_str());
  fmt::print("connected to {}; type a line, Ctrl-D to quit\n", server);
  std::fflush(stdout);

  std::string pending, reply;
  int status = 0;
  while (true) {
    std::unique_ptr<char, decltype(&std::free)> input(readline(">>> "), &std::free);
    if (!input) {  // Ctrl-D
      fmt::print("\n");
      break;
    }
    bool closed = false;
    if (const std::string said = unsolicited(fd, pending, closed); !said.empty()) fmt::print("{}", said);
    if (closed) {
      fmt::print(stderr, "echo-client: the server closed the connection\n");
      status = 1;
      break;
    }
    const std::string line = input.get();
    if (!line.empty()) add_history(line.c_str());
    const std::string request = raw ? line : line + "\n";  // raw: what was typed, as the seeds' input() gives it
    if (request.empty()) continue;  // raw: nothing to send, and no reply would come
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      fmt::print(stderr, "echo-client: cannot send: {}\n", std::strerror(errno));
      status = 1;
      break;
    }
    if (const std::string why = read_reply(fd, pending, reply, request.size(), raw); !why.empty()) {
      fmt::print(stderr, "echo-client: {}\n", why);
      status = 1;
      break;
    }
    fmt::print("{}\n", reply);
    std::fflush(stdout);
  }
  if (!history.empty()) write_history(history.c_str());
  close(fd);
  return status;
}

}  // namespace echo::client
