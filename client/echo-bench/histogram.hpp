#pragma once
// A log-linear latency histogram (HdrHistogram's layout with two significant digits): values in
// nanoseconds, exact below 256 ns, then 128 buckets per power of two, so every value a bucket
// holds is within 0.8% of every other (1% is the promise, from 1 µs to beyond 60 s). Recording is
// a handful of instructions and never allocates.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace echo::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 8;                       // 256 sub-buckets per power of two...
  static constexpr std::uint64_t kSubCount = 1u << kSubBits;
  static constexpr std::uint64_t kHalf = kSubCount / 2;  // ...of which the upper half is new
  static constexpr int kMaxExponent = 39;                  // 2^47 ns: about 39 hours
  static constexpr std::size_t kBuckets = kSubCount + kHalf * kMaxExponent;

  Histogram() = default;
  Histogram(const Histogram& other) { add(other); }
  Histogram& operator=(const Histogram& other);

  // One writer per histogram; any thread may read it meanwhile (progress line): the counts are
  // relaxed atomics that the single writer updates with a plain load and store, which costs
  // what a plain increment costs.
  void record(std::uint64_t ns);
  void add(const Histogram& other);
  void clear();

  std::uint64_t count() const { return load(count_); }
  std::uint64_t max() const { return load(max_); }
  std::uint64_t min() const { return count() == 0 ? 0 : load(min_); }
  double mean() const;
  // The value at quantile q (0..1], within the bucket's precision; 0 when empty.
  std::uint64_t quantile(double q) const;

  // Bucket by bucket, for result files, merges and .hgrm output: what a histogram is, exactly.
  std::uint64_t bucket_count(std::size_t bucket) const { return load(counts_[bucket]); }
  std::uint64_t sum() const { return load(sum_); }
  // Rebuilds a histogram from its parts (a result file): n samples in a bucket, then the exact
  // sum, min and max of what was added that way.
  void add_bucket(std::size_t bucket, std::uint64_t n);
  void add_totals(std::uint64_t sum, std::uint64_t min, std::uint64_t max);

  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t bucket_low(std::size_t bucket);   // smallest value in the bucket
  static std::uint64_t bucket_high(std::size_t bucket);  // largest value in the bucket

 private:
  using Counter = std::atomic<std::uint64_t>;
  static std::uint64_t load(const Counter& c) { return c.load(std::memory_order_relaxed); }
  static void store(Counter& c, std::uint64_t v) { c.store(v, std::memory_order_relaxed); }

  std::array<Counter, kBuckets> counts_{};
  Counter count_{0}, sum_{0}, max_{0}, min_{UINT64_MAX};
};

}  // namespace echo::bench
