#pragma once
// A latency histogram as HdrHistogram's percentile distribution text (.hgrm), as its
// outputPercentileDistribution prints it with 5 ticks per half distance: the file wrk2 prints,
// and HdrHistogram's plotter (plotFiles.html, make_percentile_plot) reads. Values in
// microseconds (our histogram holds nanoseconds: the scaling ratio is 1000).

#include <string>

#include "histogram.hpp"

namespace echo::bench {

inline constexpr int kHgrmTicksPerHalfDistance = 5;
inline constexpr double kHgrmUnitNs = 1000;  // one printed unit is a microsecond

std::string hgrm_text(const Histogram& h);
bool write_hgrm_file(const Histogram& h, const std::string& path, std::string& error);

}  // namespace echo::bench
