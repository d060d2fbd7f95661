#include "run_result.hpp"

namespace echo::bench {

std::uint64_t RunResult::errors() const {
  std::uint64_t n = 0;
  for (auto e : errors_by_kind) n += e;
  return n;
}

double RunResult::rps() const { return duration_s > 0 ? static_cast<double>(requests) / duration_s : 0; }

double RunResult::mbps() const {
  return duration_s > 0 ? static_cast<double>(bytes_out + bytes_in) * 8 / 1e6 / duration_s : 0;
}

double RunResult::connects_per_s() const {
  return duration_s > 0 ? static_cast<double>(connect_latency.count()) / duration_s : 0;
}

}  // namespace echo::bench
