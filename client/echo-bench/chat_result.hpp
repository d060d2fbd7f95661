#pragma once
// What one `echo-bench chat` measured, added up over its threads and members.

#include <cstdint>
#include <string>

#include "chat_options.hpp"
#include "histogram.hpp"

namespace echo::bench {

struct ChatResult {
  ChatOptions options;
  std::string target;
  unsigned threads = 0;
  std::size_t joined = 0;               // clients that got into their room
  std::uint64_t messages = 0;           // sent, warm-up included
  std::uint64_t window_messages = 0;    // sent in the measured window
  std::uint64_t expected = 0;           // deliveries: each message times its room's members
  std::uint64_t delivered = 0;          // first receipts
  std::uint64_t window_deliveries = 0;  // of messages sent in the measured window
  // Errors
  std::uint64_t missing = 0, duplicated = 0, out_of_order = 0;
  std::uint64_t order_mismatch = 0;  // members (with nothing else wrong) whose order differs from their room's
  std::uint64_t unexpected = 0;      // lines nobody sent, or sent to another room
  std::uint64_t server_errors = 0;   // ERR lines
  std::uint64_t disconnects = 0, connect_failures = 0;
  std::string error_sample;  // the first error seen, in words
  double duration_s = 0;     // the measured window
  bool interrupted = false;
  Histogram latency;  // ns
  double server_cpu_s = -1;  // with options.server_pid: its tree's CPU from the first message to the last delivery

  // Server CPU per delivery, in microseconds; 0 when unknown or nothing was delivered.
  double cpu_us_per_delivery() const {
    return server_cpu_s >= 0 && delivered > 0 ? server_cpu_s * 1e6 / static_cast<double>(delivered) : 0;
  }

  std::uint64_t errors() const {
    return missing + duplicated + out_of_order + order_mismatch + unexpected + server_errors + disconnects +
           connect_failures;
  }
  double deliveries_per_s() const { return duration_s > 0 ? static_cast<double>(window_deliveries) / duration_s : 0; }
  double messages_per_s() const { return duration_s > 0 ? static_cast<double>(window_messages) / duration_s : 0; }
};

}  // namespace echo::bench
