#include "connection_memory.hpp"

#include <unistd.h>

#include <fstream>
#include <string>

#include "tree_usage.hpp"

namespace echo::bench {
namespace {

std::uint64_t slab_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    std::uint64_t kib = 0;
    std::string unit;
    in >> kib >> unit;
    if (key == "Slab:") return kib * 1024;
  }
  return 0;
}

// "TCP: inuse 5 orphan 0 tw 0 alloc 7 mem 2": mem is in pages.
std::uint64_t tcp_mem_bytes() {
  std::ifstream in("/proc/net/sockstat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("TCP:", 0) != 0) continue;
    const auto at = line.find(" mem ");
    if (at == std::string::npos) return 0;
    return std::stoull(line.substr(at + 5)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  }
  return 0;
}

double per(std::uint64_t after, std::uint64_t before, std::uint64_t n) {
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
}

}  // namespace

MemoryReading read_memory(pid_t server) {
  MemoryReading r;
  r.server_pss_bytes = echo::sample_tree(server, echo::TreeDetail::with_pss_and_fds).pss_kib * 1024;
  r.slab_bytes = slab_bytes();
  r.tcp_mem_bytes = tcp_mem_bytes();
  return r;
}

std::optional<ConnectionMemory> per_connection(const MemoryReading& before, const MemoryReading& held_reading,
                                               std::uint64_t held) {
  if (held == 0) return std::nullopt;
  ConnectionMemory m;
  m.held = held;
  m.server_bytes = per(held_reading.server_pss_bytes, before.server_pss_bytes, held);
  m.kernel_bytes = per(held_reading.slab_bytes + held_reading.tcp_mem_bytes, before.slab_bytes + before.tcp_mem_bytes, held);
  return m;
}

}  // namespace echo::bench
