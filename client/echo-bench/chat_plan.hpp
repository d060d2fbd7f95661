#pragma once
// What the threads of one `echo-bench chat` share: who is in which room and who sends (fixed
// before they start), the senders' message counts (each written by its sender's thread, read by
// every member's thread to tell a real sequence number from a made-up one), the phases the run
// goes through, and each thread's counters.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chat_options.hpp"
#include "histogram.hpp"
#include "worker_plan.hpp"
#include "worker_stats.hpp"

namespace echo::bench {

struct ChatPlan {
  ChatPlan(const ChatOptions& options, std::string room_prefix);

  const ChatOptions& options;
  std::vector<std::string> room_names;            // unique to this run, so other users' rooms stay apart
  std::vector<std::size_t> room_of;               // client -> room
  std::vector<std::size_t> members;               // room -> how many clients
  std::vector<std::vector<std::size_t>> senders;  // room -> its senders' numbers, in slot order
  std::vector<std::size_t> sender_client;         // sender -> client
  std::vector<std::size_t> sender_slot;           // sender -> place among its room's senders
  std::unique_ptr<std::atomic<std::uint64_t>[]> sent;  // sender -> messages sent so far

  std::size_t room_of_sender(std::size_t sender) const { return room_of[sender_client[sender]]; }
};

// The phases, in order. The main thread moves them on; the workers watch.
struct ChatControl {
  std::atomic<std::size_t> joined{0};         // clients that saw their own hello come back
  std::atomic<std::size_t> failed{0};         // clients whose connection failed before joining
  std::atomic<std::uint64_t> setup_lines{0};  // lines read before `go`: the server is busy with the joins
  std::atomic<bool> go{false};                // everybody is in: start sending
  Clock::time_point measure_start, send_end;  // written before `go`
  std::atomic<unsigned> senders_stopped{0};   // threads past send_end with every message written
  std::atomic<bool> counts_final{false};      // every `sent` is final: members may check completeness
  std::atomic<unsigned> complete{0};          // threads whose members got everything (or gave up)
  std::atomic<bool> stop{false};              // Ctrl-C or time out: close everything now
};

// One thread's counts. Single writer (its thread), read by the main thread meanwhile.
struct ChatStats {
  Counter deliveries;           // first receipts of any message, warm-up included
  Counter window_deliveries;    // of messages sent in the measured window
  Counter window_messages;      // messages sent in the measured window
  Counter duplicated, late, unexpected, server_errors, disconnects, connect_failures;
  Histogram latency;            // send (or, open loop, due time) to receipt, measured window only
  std::string error_sample;     // the first error, in words; read after the thread ended
  void note(const std::string& what) {
    if (error_sample.empty()) error_sample = what;
  }
};

// What a member left behind, for the checks across members at the end.
struct MemberOutcome {
  std::size_t room = 0;
  std::uint64_t missing = 0;
  bool clean = false;  // nothing missing, duplicated, late or unexpected: its order can be compared
  std::uint64_t order_hash = 0;
};

}  // namespace echo::bench
