#include "listen_queue.hpp"

#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace echo::bench {

// /proc/net/netstat holds pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: 12 34 ...".
std::optional<std::uint64_t> listen_overflows() {
  std::ifstream in("/proc/net/netstat");
  for (std::string names, values; std::getline(in, names) && std::getline(in, values);) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == "ListenOverflows") return std::stoull(value);
  }
  return std::nullopt;
}

bool is_loopback(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    return (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    return std::memcmp(&v6.sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
  }
  return false;
}

}  // namespace echo::bench
