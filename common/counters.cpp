#include "counters.hpp"

#include <sys/mman.h>

#include <fmt/format.h>
#include <new>
#include <system_error>

namespace echo {

std::string Counters::summary() const {
  return fmt::format("connections: {} served, {} rejected; lines: {}; bytes in: {}; bytes out: {}",
                     accepted.load(), rejected.load(), lines.load(), bytes_in.load(), bytes_out.load());
}

std::string Counters::chat_summary() const {
  return fmt::format("chat messages: {}; lines delivered: {}; slow members dropped: {}", chat_messages.load(),
                     chat_delivered.load(), chat_slow_dropped.load());
}

// The limit's count and a worker's own are two atomics, not one transaction. A process killed
// between them must not make `open` wrap below zero (that would turn everyone away for good),
// so the shared count is taken first and given back last: at worst a place is lost, never found.
bool Counters::try_admit(std::uint64_t limit) {
  Counters& limited = server != nullptr ? *server : *this;
  if (limited.open.fetch_add(1, std::memory_order_relaxed) >= limit) {
    limited.open.fetch_sub(1, std::memory_order_relaxed);
    reject();
    return false;
  }
  if (&limited != this) open.fetch_add(1, std::memory_order_relaxed);
  accepted.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Counters::unadmit() {
  accepted.fetch_sub(1, std::memory_order_relaxed);
  release();
  reject();
}

void Counters::release(std::uint64_t n) {
  open.fetch_sub(n, std::memory_order_relaxed);
  if (server != nullptr) server->open.fetch_sub(n, std::memory_order_relaxed);
}

Counters& make_shared_counters() {
  void* mem = mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap shared counters");
  return *new (mem) Counters{};  // lives until exit; never unmapped
}

}  // namespace echo
