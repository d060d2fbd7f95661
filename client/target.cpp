#include "target.hpp"

#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "net.hpp"

namespace echo::bench {

std::optional<Target> resolve_target(const std::string& host, unsigned short port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    error = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    return std::nullopt;
  }
  Target target;
  std::memcpy(&target.addr, result->ai_addr, result->ai_addrlen);
  target.len = result->ai_addrlen;
  target.text = echo::format_address(result->ai_addr);
  freeaddrinfo(result);
  return target;
}

int start_connect(const Target& target) {
  const int fd = socket(target.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  echo::set_nodelay(fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.len) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

}  // namespace echo::bench
