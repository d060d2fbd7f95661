#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace echo::bench {

Histogram& Histogram::operator=(const Histogram& other) {
  if (this != &other) {
    clear();
    add(other);
  }
  return *this;
}

std::size_t Histogram::bucket_of(std::uint64_t ns) {
  if (ns < kSubCount) return static_cast<std::size_t>(ns);
  // exponent e >= 1 such that ns >> e lies in [kHalf, kSubCount)
  const int e = static_cast<int>(std::bit_width(ns)) - kSubBits;
  if (e > kMaxExponent) return kBuckets - 1;
  return static_cast<std::size_t>(kSubCount + kHalf * static_cast<std::uint64_t>(e - 1) + ((ns >> e) - kHalf));
}

std::uint64_t Histogram::bucket_low(std::size_t bucket) {
  if (bucket < kSubCount) return bucket;
  const std::uint64_t e = (bucket - kSubCount) / kHalf + 1;
  const std::uint64_t sub = (bucket - kSubCount) % kHalf + kHalf;
  return sub << e;
}

std::uint64_t Histogram::bucket_high(std::size_t bucket) {
  if (bucket < kSubCount) return bucket;
  const std::uint64_t e = (bucket - kSubCount) / kHalf + 1;
  return bucket_low(bucket) + (std::uint64_t{1} << e) - 1;
}

void Histogram::record(std::uint64_t ns) {
  Counter& bucket = counts_[bucket_of(ns)];
  store(bucket, load(bucket) + 1);
  store(count_, load(count_) + 1);
  store(sum_, load(sum_) + ns);
  if (ns > load(max_)) store(max_, ns);
  if (ns < load(min_)) store(min_, ns);
}

void Histogram::add(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    const std::uint64_t n = load(other.counts_[i]);
    if (n != 0) store(counts_[i], load(counts_[i]) + n);
  }
  store(count_, load(count_) + load(other.count_));
  store(sum_, load(sum_) + load(other.sum_));
  store(max_, std::max(load(max_), load(other.max_)));
  store(min_, std::min(load(min_), load(other.min_)));
}

void Histogram::add_bucket(std::size_t bucket, std::uint64_t n) {
  store(counts_[bucket], load(counts_[bucket]) + n);
  store(count_, load(count_) + n);
}

void Histogram::add_totals(std::uint64_t sum, std::uint64_t min, std::uint64_t max) {
  store(sum_, load(sum_) + sum);
  store(max_, std::max(load(max_), max));
  store(min_, std::min(load(min_), min));
}

void Histogram::clear() {
  for (auto& c : counts_) store(c, 0);
  store(count_, 0);
  store(sum_, 0);
  store(max_, 0);
  store(min_, UINT64_MAX);
}

double Histogram::mean() const {
  const std::uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(load(sum_)) / static_cast<double>(n);
}

std::uint64_t Histogram::quantile(double q) const {
  // Counts may move while a reader looks (progress line): sum the buckets themselves.
  std::uint64_t total = 0;
  for (const auto& c : counts_) total += load(c);
  if (total == 0) return 0;
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += load(counts_[i]);
    if (seen >= rank) {
      // The middle of the bucket, never above the largest value actually seen.
      const std::uint64_t mid = bucket_low(i) + (bucket_high(i) - bucket_low(i)) / 2;
      return std::min(mid, std::max(load(max_), bucket_low(i)));
    }
  }
  return load(max_);
}

}  // namespace echo::bench
