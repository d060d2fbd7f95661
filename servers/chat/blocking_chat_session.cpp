#include "blocking_chat_session.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include "blocking_session.hpp"
#include "line_framer.hpp"
#include "net.hpp"
#include "protocol.hpp"
#include "session_limits.hpp"

namespace echo::chat {
namespace {

using Clock = std::chrono::steady_clock;

// The member as other threads see it: pushing to its outbox rings its eventfd.
class BlockingMember final : public Outbox {
 public:
  explicit BlockingMember(std::size_t max_backlog) : Outbox(max_backlog), bell(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (bell < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ~BlockingMember() override { close(bell); }
  const int bell;

 private:
  void wake() override {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = write(bell, &one, sizeof one);
  }
};

// One connection's state between polls.
struct ChatConnection {
  bool reading = true;       // until end of input, an ERR, or the server's close
  bool closing = false;      // the member's close was taken: write what is left, then close
  bool cut = false;          // over --max-backlog or a dead peer: close now
  bool server_closed = false;  // closed by the server while the peer was still sending
  std::string writing;       // a batch being written
  std::size_t writing_lines = 0;
};

}  // namespace

void serve_blocking_chat(int fd, const ServerConfig& config, Counters& counters, ConnectionRegistry& registry,
                         ChatLink& link) {
  set_nodelay(fd);
  set_nonblocking(fd, true);  // poll() decides when; a send() never waits on a slow peer
  const auto member = std::make_shared<BlockingMember>(config.max_backlog);
  const MemberId id = counters.next_member_id();
  link.join(id, member);

  LineFramer framer(Transform::echo, config.max_line);  // finds the lines; --max-line
  std::array<char, kReadSize> in;
  std::string lines;
  std::string_view last_line;
  ChatConnection c;
  Outbox::Batch batch;
  const bool idle_limit = config.idle_timeout.count() > 0;
  auto idle_deadline = Clock::now() + config.idle_timeout;
  const auto stop_reading = [&](std::string_view last) {
    c.reading = false;
    last_line = last;
    link.leave(id, last);
  };

  while (!c.cut) {
    // Take the next batch only once the last one is written: memory stays bounded by the outbox.
    if (c.writing.empty() && !c.closing && member->take(batch)) {
      if (batch.overflowed) {
        counters.chat_slow_dropped.fetch_add(1, std::memory_order_relaxed);
        c.cut = true;
        break;
      }
      c.writing.swap(batch.bytes);
      batch.bytes.clear();
      c.writing_lines = batch.lines;
      c.closing = batch.close;
    }
    if (!c.writing.empty()) {
      const ssize_t n = send(fd, c.writing.data(), c.writing.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        c.cut = true;
        break;
      }
      if (n > 0) {
        counters.add_traffic(0, 0, static_cast<std::uint64_t>(n));
        c.writing.erase(0, static_cast<std::size_t>(n));
        if (c.writing.empty()) counters.chat_delivered.fetch_add(c.writing_lines, std::memory_order_relaxed);
      }
      if (c.writing.empty() && !c.closing) continue;  // take() again: finding nothing arms the bell
    }
    if (c.closing && c.writing.empty()) {
      c.server_closed = c.reading;
      break;
    }
    pollfd fds[2] = {{fd, static_cast<short>((c.reading ? POLLIN : 0) | (c.writing.empty() ? 0 : POLLOUT)), 0},
                     {member->bell, POLLIN, 0}};
    int timeout = -1;
    if (idle_limit) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(idle_deadline - Clock::now()).count();
      timeout = static_cast<int>(std::max<long>(0, left)) + 1;
    }
    const int ready = poll(fds, 2, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (idle_limit && Clock::now() >= idle_deadline) {
      if (!c.reading) {  // silent and not taking its output either
        c.cut = true;
        break;
      }
      stop_reading(kErrIdleTimeout);
      continue;
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t rings;
      [[maybe_unused]] const auto n = read(member->bell, &rings, sizeof rings);
      if (member->overflowed()) {  // while a write was pending: cut it off now
        counters.chat_slow_dropped.fetch_add(1, std::memory_order_relaxed);
        c.cut = true;
        break;
      }
    }
    if (c.reading && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = recv(fd, in.data(), in.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      lines.clear();
      if (n > 0) {
        if (idle_limit) idle_deadline = Clock::now() + config.idle_timeout;
        const std::size_t count = framer.feed({in.data(), static_cast<std::size_t>(n)}, lines);
        const bool too_long = framer.done();
        if (too_long) lines.resize(lines.size() - kErrLineTooLong.size());  // said last, below
        counters.add_traffic(count, static_cast<std::uint64_t>(n), 0);
        if (count > 0) link.lines(id, lines);
        if (too_long) stop_reading(kErrLineTooLong);
      } else if (n == 0) {  // end of input, or a stop request (SHUT_RD)
        const std::size_t count = framer.finish(lines);
        counters.add_traffic(count, 0, 0);
        if (count > 0) link.lines(id, lines);
        stop_reading({});
      } else {  // reset: nothing more to read or write
        stop_reading({});
        c.cut = true;
      }
    }
  }
  if (c.reading) link.leave(id, {});  // closed by the server (/quit) or cut off
  set_nonblocking(fd, false);
  if (!c.cut && (!last_line.empty() || c.server_closed)) linger_before_close(fd);
  registry.remove(fd);
  close(fd);
}

}  // namespace echo::chat
