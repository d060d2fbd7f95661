#include "listen_queue.hpp"

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

}  // namespace echo::bench
