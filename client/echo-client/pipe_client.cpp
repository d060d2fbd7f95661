#include "pipe_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <string_view>

namespace echo::client {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxPending = 1 << 20;  // stop reading input while this much waits to be sent

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The conversation's bookkeeping. Lines: the lengths of the lines sent and not yet answered. A
// reply has the length of its line (both transforms keep it), so a reply starting with "ERR " of
// another length is the server ending the conversation, not an answer. Raw framing has no lines:
// the conversation is complete when as many bytes came back as went out.
class Conversation {
 public:
  Conversation(Framing framing, bool chat) : raw_(framing == Framing::raw), chat_(chat) {}

  void sent(std::string_view chunk) {
    sent_bytes_ += chunk.size();
    if (raw_) return;
    for (std::size_t at = 0; at < chunk.size();) {
      const auto lf = chunk.find('\n', at);
      if (lf == std::string_view::npos) {
        partial_line_ += chunk.size() - at;
        break;
      }
      sent_line(partial_line_ + (lf - at));
      partial_line_ = 0;
      at = lf + 1;
    }
  }
  void input_ended() {
    if (!raw_ && partial_line_ > 0) sent_line(partial_line_);  // the server answers it as if it had an LF
    partial_line_ = 0;
  }
  void reply_bytes(std::string_view bytes) {
    received_bytes_ += bytes.size();
    while (!raw_ && !bytes.empty()) {
      const auto lf = bytes.find('\n');
      const std::string_view part = bytes.substr(0, lf);
      if (head_.size() < 80) head_.append(part.substr(0, 80 - head_.size()));
      length_ += part.size();
      if (lf == std::string_view::npos) return;
      end_reply();
      bytes.remove_prefix(lf + 1);
    }
  }
  // Chat has no replies to count: others' lines and notices come too, and a server that closes
  // after our end of input has delivered what it had.
  bool answered_all() const { return chat_ || (raw_ ? received_bytes_ >= sent_bytes_ : replies_ == lines_); }
  // "3 of 5 replies", or "10 of 12 bytes" in raw framing; `more`: input was not all read.
  std::string progress(bool more) const {
    if (chat_) return fmt::format("{} lines sent{}, {} received", lines_, more ? "+" : "", received_lines_);
    return raw_ ? fmt::format("{} of {}{} bytes", received_bytes_, sent_bytes_, more ? "+" : "")
                : fmt::format("{} of {}{} replies", replies_, lines_, more ? "+" : "");
  }
  const std::string& server_error() const { return error_; }

 private:
  void sent_line(std::size_t length) { pending_.push_back(length); ++lines_; }
  void end_reply() {
    const bool expected = !pending_.empty();
    ++received_lines_;
    // In chat every other line starts with a name or `* `: an `ERR ` line is the server's.
    const bool err = head_.rfind("ERR ", 0) == 0 && (chat_ || !expected || pending_.front() != length_);
    if (err && error_.empty()) error_ = head_;
    if (!err && expected) ++replies_;
    if (expected) pending_.pop_front();
    head_.clear();
    length_ = 0;
  }

  bool raw_, chat_;
  std::size_t received_lines_ = 0;
  std::size_t sent_bytes_ = 0, received_bytes_ = 0;
  std::size_t partial_line_ = 0;  // bytes of a line whose LF has not been read yet
  std::deque<std::size_t> pending_;
  std::size_t lines_ = 0, replies_ = 0;
  std::string head_;  // the start of the reply being read
  std::size_t length_ = 0;
  std::string error_;
};

}  // namespace

int run_pipe(int fd, int in_fd, int out_fd, Framing framing, bool chat) {
  Conversation talk(framing, chat);
  std::string to_send;
  std::size_t sent = 0;
  bool input_done = false, shut = false, closed = false;
  std::string socket_error;
  char buf[kChunk];

  while (!closed) {
    pollfd fds[2] = {{fd, static_cast<short>(POLLIN | (sent < to_send.size() ? POLLOUT : 0)), 0},
                     {in_fd, POLLIN, 0}};
    const bool want_input = !input_done && to_send.size() - sent < kMaxPending;
    if (poll(fds, want_input ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (want_input && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = read(in_fd, buf, sizeof buf);
      if (n > 0) {
        const std::string_view chunk(buf, static_cast<std::size_t>(n));
        talk.sent(chunk);
        to_send.append(chunk);
      } else if (n == 0 || errno != EINTR) {
        input_done = true;
        talk.input_ended();
      }
    }
    if (fds[0].revents & POLLOUT) {
      const ssize_t n = send(fd, to_send.data() + sent, to_send.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) socket_error = std::strerror(errno);
      if (sent == to_send.size()) {
        to_send.clear();
        sent = 0;
      }
    }
    if (input_done && sent == to_send.size() && !shut) {
      shutdown(fd, SHUT_WR);  // our end of input: the server answers the rest, then closes
      shut = true;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        talk.reply_bytes({buf, static_cast<std::size_t>(n)});
        if (!write_all(out_fd, buf, static_cast<std::size_t>(n))) {
          close(fd);
          return 1;  // nobody reads our output any more
        }
      } else if (n == 0) {
        closed = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        socket_error = std::strerror(errno);
        closed = true;
      }
    }
  }
  close(fd);

  if (!talk.server_error().empty()) {
    fmt::print(stderr, "echo-client: the server ended the conversation with \"{}\" after {}\n", talk.server_error(),
               talk.progress(!input_done));
    return 1;
  }
  if (!talk.answered_all() || !input_done) {
    fmt::print(stderr, "echo-client: the server closed the connection{} after {}\n",
               socket_error.empty() ? "" : " (" + socket_error + ")", talk.progress(!input_done));
    return 1;
  }
  return 0;
}

}  // namespace echo::client
