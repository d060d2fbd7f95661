#include "source_addresses.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <fstream>
#include <memory>

#include "run_options.hpp"
#include "target.hpp"

namespace echo::bench {

std::size_t ephemeral_ports() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  std::size_t low = 0, high = 0;
  if (!(range >> low >> high) || high < low) return 28232;  // Linux's default range, 32768-60999
  return high - low + 1;
}

std::size_t connections_per_address() { return ephemeral_ports() - ephemeral_ports() / 10; }

SourceAddresses::SourceAddresses(std::size_t count) {
  for (std::size_t i = 1; i <= count; ++i) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + static_cast<in_addr_t>(i));  // 127.0.0.i (then .1.0 ...)
    addrs_.push_back(a);
  }
}

const sockaddr_in& SourceAddresses::next() const {
  return addrs_[next_.fetch_add(1, std::memory_order_relaxed) % addrs_.size()];
}

std::string SourceAddresses::describe() const {
  char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addrs_.front().sin_addr, first, sizeof first);
  inet_ntop(AF_INET, &addrs_.back().sin_addr, last, sizeof last);
  return addrs_.size() == 1 ? std::string(first) : fmt::format("{}-{}", first, last);
}

std::optional<std::size_t> source_addresses_needed(const sockaddr_storage& target_addr, std::size_t connections,
                                                   std::string& error) {
  const std::size_t per_address = connections_per_address();
  const std::size_t needed = (connections + per_address - 1) / per_address;
  if (needed <= 1) return 1;
  if (!is_loopback_v4(target_addr)) {
    error = fmt::format(
        "{} connections need {} source addresses ({} each: net.ipv4.ip_local_port_range has {} ports), but towards a "
        "non-loopback server there is one; run several agents (--agent) from several machines",
        connections, needed, per_address, ephemeral_ports());
    return std::nullopt;
  }
  if (needed > 65535) {  // 127.0.0.1 .. 127.0.255.255, far more than any machine's descriptors
    error = fmt::format("{} connections need {} source addresses; at most 65535 are used", connections, needed);
    return std::nullopt;
  }
  return needed;
}

bool spread_sources(const RunOptions& o, Target& target, std::string& error) {
  std::size_t count = o.sources;
  if (count == 0) {
    const auto needed = source_addresses_needed(target.addr, o.connections + o.idle, error);
    if (!needed) return false;
    count = *needed;
  }
  if (count > 1) target.sources = std::make_shared<const SourceAddresses>(count);
  return true;
}

}  // namespace echo::bench
