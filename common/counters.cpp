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

Counters& make_shared_counters() {
  void* mem = mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap shared counters");
  return *new (mem) Counters{};  // lives until exit; never unmapped
}

}  // namespace echo
