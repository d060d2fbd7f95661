#include "target.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "net.hpp"

namespace echo::bench {

std::optional<Target> resolve_target(const std::string& host, unsigned short port, std::string& error) {
  std::string why;
  const auto addrs = echo::resolve_tcp(host, port, false, why);
  if (!addrs) {
    error = fmt::format("cannot resolve {}: {}", host, why);
    return std::nullopt;
  }
  Target target;
  std::memcpy(&target.addr, addrs->ai_addr, addrs->ai_addrlen);
  target.len = addrs->ai_addrlen;
  target.text = echo::format_address(addrs->ai_addr);
  return target;
}

int start_connect(const Target& target) {
  const int fd = socket(target.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  echo::set_nodelay(fd);
  if (target.sources) {
    // The port is picked at connect(), knowing the destination: a port may then serve
    // connections to different servers, and bind() does not use up the range by itself.
    const int on = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    const sockaddr_in& from = target.sources->next();
    if (bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      const int err = errno;
      close(fd);
      errno = err;
      return -1;
    }
  }
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

bool is_loopback_v4(const sockaddr_storage& addr) {
  return addr.ss_family == AF_INET && (ntohl(reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr) >> 24) == 127;
}

bool is_loopback(const sockaddr_storage& addr) {
  return is_loopback_v4(addr) ||
         (addr.ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr));
}

}  // namespace echo::bench
