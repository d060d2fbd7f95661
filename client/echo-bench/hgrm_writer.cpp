#include "hgrm_writer.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

namespace echo::bench {
namespace {

// The percentile to report after `level`: each half of the remaining distance to 100% gets
// kHgrmTicksPerHalfDistance rows, so the tail is shown finer and finer (HdrHistogram's ticks).
double next_level(double level) {
  const auto halvings = static_cast<long long>(std::log(100.0 / (100.0 - level)) / std::log(2.0)) + 1;
  const double ticks = kHgrmTicksPerHalfDistance * std::pow(2.0, static_cast<double>(halvings));
  return level + 100.0 / ticks;
}

double standard_deviation(const Histogram& h) {
  const double mean = h.mean();
  double squares = 0;
  for (std::size_t b = 0; b < Histogram::kBuckets; ++b) {
    if (const auto n = h.bucket_count(b)) {
      const double middle = static_cast<double>(Histogram::bucket_low(b) + Histogram::bucket_high(b)) / 2;
      squares += static_cast<double>(n) * (middle - mean) * (middle - mean);
    }
  }
  return h.count() == 0 ? 0 : std::sqrt(squares / static_cast<double>(h.count()));
}

}  // namespace

std::string hgrm_text(const Histogram& h) {
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  const std::uint64_t total = h.count();
  // A bucket is reported by its highest value, as HdrHistogram reports highestEquivalentValue.
  auto value = [](std::size_t b) { return static_cast<double>(Histogram::bucket_high(b)) / kHgrmUnitNs; };
  if (total != 0) {
    double level = 0;
    std::uint64_t cumulative = 0;
    std::size_t last = 0;
    for (std::size_t b = 0; b < Histogram::kBuckets && cumulative < total; ++b) {
      const std::uint64_t n = h.bucket_count(b);
      if (n == 0) continue;
      cumulative += n;
      last = b;
      while (100.0 * static_cast<double>(cumulative) / static_cast<double>(total) >= level) {
        out += fmt::format("{:12.3f} {:2.12f} {:10d} {:14.2f}\n", value(b), level / 100, cumulative, 1 / (1 - level / 100));
        level = next_level(level);
        if (cumulative == total) break;  // one row for the last bucket, then the 100% row
      }
    }
    out += fmt::format("{:12.3f} {:2.12f} {:10d}\n", value(last), 1.0, total);
  }
  const double max = static_cast<double>(h.max()) / kHgrmUnitNs;
  out += fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n", h.mean() / kHgrmUnitNs,
                     standard_deviation(h) / kHgrmUnitNs);
  out += fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n", max, total);
  // Our layout in HdrHistogram's words: 256 sub-buckets, one bucket per power of two past them.
  out += fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", Histogram::kMaxExponent + 1, Histogram::kSubCount);
  return out;
}

bool write_hgrm_file(const Histogram& h, const std::string& path, std::string& error) {
  std::ofstream out(path, std::ios::trunc);
  out << hgrm_text(h);
  out.close();
  if (!out) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace echo::bench
