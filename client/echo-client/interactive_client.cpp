#include "interactive_client.hpp"

#include <editline/readline.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <string>
#include <string_view>
#include <utility>

namespace echo::client {
namespace {

constexpr const char* kPrompt = ">>> ";

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) + "/.echo_client_history" : std::string();
}

// libedit calls back a plain function with each line typed: this is the one session it feeds.
struct Session {
  int fd = -1;
  bool raw = false;
  bool done = false;
  bool quit_sent = false;  // the user typed /quit: the server closing is the expected answer
  int status = 0;
  std::string pending;  // received bytes of a line not complete yet
};
Session* session = nullptr;

void write_out(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(1, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Prints `text` (whole lines) above the prompt: the prompt line is erased, the text printed where
// it was, and libedit draws the prompt and the half-typed line again below, cursor where it was.
void print_above_prompt(std::string_view text) {
  write_out("\r\x1b[K");
  write_out(text);
  rl_forced_update_display();
}

void on_line(char* typed) {
  Session& s = *session;
  if (typed == nullptr) {  // Ctrl-D on an empty line
    write_out("\n");
    s.done = true;
    return;
  }
  const std::string line = typed;
  std::free(typed);
  // libedit leaves its callback mode after each line (the next read would block for a whole line,
  // and the old line would be redrawn): installing the handler again resets the line, puts the
  // terminal back in key-by-key mode and shows a fresh prompt.
  rl_callback_handler_install(kPrompt, on_line);
  if (!line.empty()) add_history(line.c_str());
  const std::string request = s.raw ? line : line + "\n";  // raw: what was typed, as the seeds' input() gives it
  if (request.empty()) return;
  if (send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    write_out(fmt::format("echo-client: cannot send: {}\n", std::strerror(errno)));
    s.status = 1;
    s.done = true;
    return;
  }
  if (line == "/quit") s.quit_sent = true;
}

// Whatever the server sent, printed now: complete lines (raw framing: every chunk as it came).
void on_socket(Session& s) {
  char buf[4096];
  const ssize_t n = recv(s.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    std::string last = std::exchange(s.pending, {});
    if (!last.empty()) last += "\n";
    if (!s.quit_sent) {
      last += n == 0 ? "echo-client: the server closed the connection\n"
                     : fmt::format("echo-client: the connection broke: {}\n", std::strerror(errno));
      s.status = 1;
    }
    write_out("\r\x1b[K" + last);  // the last words: no prompt after them
    s.done = true;
    return;
  }
  s.pending.append(buf, static_cast<std::size_t>(n));
  const auto end = s.raw ? s.pending.size() : s.pending.rfind('\n') + 1;  // npos + 1 == 0: no whole line yet
  if (end == 0) return;
  std::string text = s.pending.substr(0, end);
  s.pending.erase(0, end);
  if (s.raw) text += "\n";
  print_above_prompt(text);
}

// Ctrl-C drops the line being typed and gives a fresh prompt, as a shell does; Ctrl-D quits.
void on_signal(int signal_fd) {
  signalfd_siginfo info{};
  if (read(signal_fd, &info, sizeof info) != sizeof info) return;
  if (info.ssi_signo == SIGWINCH) {
    rl_resize_terminal();
    return;
  }
  write_out("^C\n");
  rl_callback_handler_remove();  // a fresh, empty line: libedit resets it when the handler comes back
  rl_callback_handler_install(kPrompt, on_line);
}

}  // namespace

int run_interactive(int fd, const std::string& server, Framing framing) {
  // libedit reads multibyte characters only in the user's locale; in the default "C" locale it
  // drops every byte >= 0x80, and "wörld" would be sent as "wrld".
  std::setlocale(LC_CTYPE, "");
  const std::string history = history_path();
  using_history();
  if (!history.empty()) read_history(history.c_str());
  // SIGINT and SIGWINCH arrive as readable bytes in the poll loop, not in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGWINCH);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);

  Session s;
  s.fd = fd;
  s.raw = framing == Framing::raw;
  session = &s;
  fmt::print("connected to {}; type a line, Ctrl-D to quit\n", server);
  std::fflush(stdout);
  rl_callback_handler_install(kPrompt, on_line);
  while (!s.done) {
    pollfd fds[3] = {{0, POLLIN, 0}, {fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, signal_fd >= 0 ? 3 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents & POLLIN) on_signal(signal_fd);
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) on_socket(s);
    if (!s.done && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) rl_callback_read_char();
    if (!s.done && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN)) s.done = true;  // terminal gone
  }
  rl_callback_handler_remove();
  session = nullptr;
  if (!history.empty()) write_history(history.c_str());
  if (signal_fd >= 0) close(signal_fd);
  close(fd);
  return s.status;
}

}  // namespace echo::client
