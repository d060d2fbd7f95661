#pragma once
// What one load thread has counted. Each field has a single writer (its worker); the main thread
// reads them while the run goes on (progress line) and adds them up at the end.

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

#include "histogram.hpp"

namespace echo::bench {

enum class ErrorKind { refused, reset, timeout, mismatch, early_close, other };
inline constexpr std::size_t kErrorKinds = 6;
inline constexpr std::array<std::string_view, kErrorKinds> kErrorNames = {"refused",  "reset",       "timeout",
                                                                          "mismatch", "early_close", "other"};
// errno of a failed connect, read or write, as the kind of error it counts as.
inline ErrorKind error_kind_of(int err) {
  switch (err) {
    case ECONNREFUSED: return ErrorKind::refused;
    case ECONNRESET:
    case EPIPE: return ErrorKind::reset;
    case ETIMEDOUT: return ErrorKind::timeout;
    default: return ErrorKind::other;
  }
}

// A relaxed counter with one writer: an increment is a plain load and store.
class Counter {
 public:
  void add(std::uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

struct WorkerStats {
  // Counted only while measuring (after the warm-up):
  Counter requests;  // replies that matched
  Counter bytes_out, bytes_in;
  Histogram latency;          // request latency, ns
  Histogram connect_latency;  // --churn: connect() to established, ns
  Histogram schedule_lag;     // open loop: how late each timer wake-up came, ns (the bench's own delay)
  // Counted always: an error in the warm-up is still an error.
  Counter connects;        // connections established
  Counter requests_total;  // correct replies, warm-up and drain included: the server's whole work
  std::array<Counter, kErrorKinds> errors;
  std::array<std::atomic<int>, kErrorKinds> first_errno{};  // for the report: what the system said
  std::string mismatch_sample;                               // read only after the worker ended

  void error(ErrorKind kind, int err = 0) {
    const auto k = static_cast<std::size_t>(kind);
    errors[k].add();
    if (err != 0 && first_errno[k].load(std::memory_order_relaxed) == 0) first_errno[k].store(err, std::memory_order_relaxed);
  }
  std::uint64_t error_total() const {
    std::uint64_t n = 0;
    for (const auto& e : errors) n += e.get();
    return n;
  }
};

// What the main thread tells the workers while they run.
struct RunControl {
  std::atomic<bool> measuring{false};  // warm-up is over: count
  std::atomic<bool> stop{false};       // time is up (or Ctrl-C): stop sending, drain, return
  std::atomic<unsigned> connected{0};  // workers done with their first round of connects
  std::atomic<bool> go{false};         // every connection is open (or failed once): start sending
};

}  // namespace echo::bench
