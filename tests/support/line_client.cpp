#include "line_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "net.hpp"

namespace echo::test {

LineClient::LineClient(unsigned short port, std::chrono::milliseconds timeout)
    : fd_(connect_tcp("127.0.0.1", port, timeout)) {
  if (fd_ < 0) throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
}

LineClient::~LineClient() {
  if (fd_ >= 0) close(fd_);
}

void LineClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool LineClient::fill(std::chrono::milliseconds timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  const int rc = poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (rc == 0) {
    last_error_ = "timeout";
    return false;
  }
  char chunk[65536];
  const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) {
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  last_error_ = n == 0 ? "eof" : std::strerror(errno);
  return false;
}

std::optional<std::string> LineClient::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto lf = buf_.find('\n');
    if (lf != std::string::npos) {
      std::string line = buf_.substr(0, lf);
      buf_.erase(0, lf + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      last_error_ = "timeout";
      return std::nullopt;
    }
    if (!fill(left)) return std::nullopt;
  }
}

std::string LineClient::read_bytes(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      last_error_ = "timeout";
      break;
    }
    if (!fill(left)) break;
  }
  std::string bytes = buf_.substr(0, n);
  buf_.erase(0, bytes.size());
  return bytes;
}

std::vector<std::string> LineClient::read_lines(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> lines;
  while (lines.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = read_line(std::max(left, std::chrono::milliseconds(0)));
    if (!line) break;
    lines.push_back(std::move(*line));
  }
  return lines;
}

bool LineClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t before = buf_.size();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!fill(left)) return last_error_ != "timeout" && buf_.size() == before;
    if (buf_.size() != before) return false;  // it said more
  }
  return false;
}

void LineClient::half_close() { shutdown(fd_, SHUT_WR); }

void LineClient::reset() {
  linger lin{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
  close(fd_);
  fd_ = -1;
}

}  // namespace echo::test
