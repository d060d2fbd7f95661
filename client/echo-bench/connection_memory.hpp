#pragma once
// What one held connection costs in memory: the server's own (PSS summed over its process tree,
// so fork's shared pages are not counted once per child) and the kernel's (slab objects and TCP
// buffer pages, machine-wide: both ends of a loopback connection, and anything else the machine
// did meanwhile). Read before the connections open and once they are all held, divided by them.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace echo::bench {

struct MemoryReading {
  std::uint64_t server_pss_bytes = 0;
  std::uint64_t slab_bytes = 0;     // /proc/meminfo Slab
  std::uint64_t tcp_mem_bytes = 0;  // /proc/net/sockstat "TCP: ... mem" pages
};
MemoryReading read_memory(pid_t server);

struct ConnectionMemory {
  std::uint64_t held = 0;  // connections open at the second reading
  double server_bytes = 0;  // per connection; may be negative when noise beats the signal
  double kernel_bytes = 0;
};
// nullopt when nothing was held.
std::optional<ConnectionMemory> per_connection(const MemoryReading& before, const MemoryReading& held_reading,
                                               std::uint64_t held);

}  // namespace echo::bench
