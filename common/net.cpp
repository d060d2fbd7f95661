#include "net.hpp"

#include "protocol.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <stdexcept>

namespace echo {

std::string format_endpoint(std::string_view host, unsigned short port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

AddrInfoPtr resolve_tcp(const std::string& host, unsigned short port, bool passive, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    error = gai_strerror(rc);
    return nullptr;
  }
  return AddrInfoPtr(result);
}

std::string format_address(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof buf);
    return format_endpoint(buf, ntohs(a6->sin6_port));
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(addr);
  inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof buf);
  return format_endpoint(buf, ntohs(a4->sin_port));
}

namespace {

// Binds a socket without SO_REUSEPORT to `addr` and lets it go: it fails (errno EADDRINUSE) if
// anyone listens there, SO_REUSEPORT or not. Writes the port it got into `addr` (port 0 picks one).
bool probe_free(const addrinfo* ai, sockaddr_storage& addr) {
  const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = static_cast<socklen_t>(ai->ai_addrlen);
  const bool free = bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0 &&
                    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int err = errno;
  close(fd);
  errno = err;
  return free;
}

}  // namespace

Listener listen_tcp(const std::string& host, unsigned short port, int backlog, PortSharing sharing) {
  std::string error;
  auto addrs = resolve_tcp(host, port, true, error);
  if (!addrs) throw std::runtime_error(fmt::format("cannot resolve {}: {}", host, error));
  int last_errno = 0;
  for (addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sharing != PortSharing::exclusive) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_storage addr{};
    std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (sharing == PortSharing::start_group && !probe_free(ai, addr)) {
      last_errno = errno;
      close(fd);
      continue;
    }
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), static_cast<socklen_t>(ai->ai_addrlen)) == 0 &&
        listen(fd, backlog) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      char numeric[INET6_ADDRSTRLEN] = {};
      const void* in_addr = ai->ai_family == AF_INET6
                                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&bound)->sin6_addr)
                                : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&bound)->sin_addr);
      inet_ntop(ai->ai_family, in_addr, numeric, sizeof numeric);
      const auto bound_port = ai->ai_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
      return Listener{fd, numeric, ntohs(bound_port), ai->ai_family};
    }
    last_errno = errno;
    close(fd);
  }
  throw std::runtime_error(fmt::format("cannot listen on {}: {}", format_endpoint(host, port), std::strerror(last_errno)));
}

int connect_tcp(const std::string& host, unsigned short port, std::chrono::milliseconds timeout) {
  std::string error;
  auto addrs = resolve_tcp(host, port, false, error);
  if (!addrs) {
    errno = EHOSTUNREACH;
    return -1;
  }
  int last_errno = ECONNREFUSED;
  for (addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd pfd{fd, POLLOUT, 0};
      rc = poll(&pfd, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        errno = ETIMEDOUT;
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        errno = err;
        rc = err == 0 ? 0 : -1;
      }
    }
    if (rc == 0) {
      set_nonblocking(fd, false);
      return fd;
    }
    last_errno = errno;
    close(fd);
  }
  errno = last_errno;
  return -1;
}

void set_nodelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void set_nonblocking(int fd, bool on) {
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

std::size_t raise_fd_limit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<std::size_t>(lim.rlim_cur);
}

bool is_resource_exhaustion(int err) { return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM; }

void reject_and_close(int fd, std::string_view message) {
  [[maybe_unused]] auto n = send(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd);
}

SpareFd::SpareFd() : fd_(open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

SpareFd::~SpareFd() {
  if (fd_ >= 0) close(fd_);
}

bool SpareFd::shed_one(int listen_fd) {
  if (fd_ >= 0) close(fd_);
  const int conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn >= 0) reject_and_close(conn, kErrServerBusy);
  fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return conn >= 0;
}

}  // namespace echo
