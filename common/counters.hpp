#pragma once
// Totals that every thread and every forked child adds to. They live in one shared anonymous
// mapping made before the first fork: the only memory the fork backend's processes share.

#include <atomic>
#include <cstdint>
#include <string>

namespace echo {

struct Counters {
  std::atomic<std::uint64_t> accepted{0};  // connections served
  std::atomic<std::uint64_t> rejected{0};  // turned away: over --max-connections or out of fds
  std::atomic<std::uint64_t> lines{0};     // lines answered
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};

  // Adds one burst at once: one atomic add per read, not per line.
  void add_traffic(std::uint64_t n_lines, std::uint64_t in, std::uint64_t out) {
    lines.fetch_add(n_lines, std::memory_order_relaxed);
    bytes_in.fetch_add(in, std::memory_order_relaxed);
    bytes_out.fetch_add(out, std::memory_order_relaxed);
  }
  std::string summary() const;
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "counters must work across processes");

// Counters in a MAP_SHARED | MAP_ANONYMOUS mapping, visible to children forked after this call.
Counters& make_shared_counters();

}  // namespace echo
