#include "blocking_session.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "framer.hpp"
#include "net.hpp"
#include "session_limits.hpp"

namespace echo {
namespace {

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // reset, EPIPE, or SO_SNDTIMEO expired on a peer that does not read
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void set_timeout(int fd, int option, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

// After an ERR: FIN, then discard input for a moment (see session_limits.hpp).
void linger_before_close(int fd) {
  shutdown(fd, SHUT_WR);
  set_timeout(fd, SO_RCVTIMEO, kLingerTime);
  std::array<char, kReadSize> sink;
  for (int i = 0; i < kLingerReads && recv(fd, sink.data(), sink.size(), 0) > 0; ++i) {
  }
}

void serve_blocking(int fd, const ServerConfig& config, Counters& counters, ConnectionRegistry* registry) {
  set_nodelay(fd);
  if (config.idle_timeout.count() > 0) {
    set_timeout(fd, SO_RCVTIMEO, config.idle_timeout);  // recv() fails with EAGAIN when idle
    set_timeout(fd, SO_SNDTIMEO, config.idle_timeout);  // and send() to a peer that stopped reading
  }
  Framer framer(config.framing, config.transform, config.max_line);
  std::array<char, kReadSize> in;
  std::string out;
  bool linger = false;
  for (;;) {
    const ssize_t n = recv(fd, in.data(), in.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    out.clear();
    if (n > 0) {
      const auto lines = framer.feed({in.data(), static_cast<std::size_t>(n)}, out);
      counters.add_traffic(lines, static_cast<std::uint64_t>(n), out.size());
      if (!send_all(fd, out)) break;
      if (!framer.done()) continue;
      linger = true;  // line too long
      break;
    }
    if (n == 0) {  // end of input (or a stop request): answer a last line without LF
      const auto lines = framer.finish(out);  // before out.size(): argument order is unspecified
      counters.add_traffic(lines, 0, out.size());
      send_all(fd, out);
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {  // SO_RCVTIMEO: silent for --idle-timeout
      counters.add_traffic(0, 0, kErrIdleTimeout.size());
      send_all(fd, kErrIdleTimeout);
      linger = true;
    }
    break;  // ECONNRESET and friends: nothing left to answer
  }
  if (linger) linger_before_close(fd);
  if (registry != nullptr) registry->remove(fd);
  close(fd);
}

}  // namespace echo
