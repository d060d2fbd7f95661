#pragma once
// What one `echo-bench chat` is asked to do: N clients in R rooms, K of them sending.

#include <cstddef>
#include <optional>
#include <string>

namespace echo::bench {

struct ChatOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 7007;
  std::size_t clients = 10;  // -c: members, all rooms together
  std::size_t rooms = 1;     // --rooms: client i joins room i % rooms
  std::size_t senders = 1;   // --senders: clients 0..K-1 send, so rooms get senders in turn
  double rate = 0;           // --rate: messages per second, all senders together; 0 = closed loop
  std::size_t window = 1;    // -p: closed loop, a sender's messages not yet delivered back to it
  double duration_s = 5;     // -d: seconds of sending measured
  double warmup_s = 0.5;     // sending before -d starts, checked but not measured
  double timeout_s = 5;      // for connects, joins, and the last deliveries after sending stops
  unsigned threads = 0;      // -t: 0 = one per CPU we may run on
  bool progress = true;
  std::string label;         // prefix of the progress line (compare names its points)
  int server_pid = 0;        // compare: the server's process tree, whose CPU is read around the sending
};

// One line saying what is wrong, or nothing when the options make sense.
std::optional<std::string> validate(const ChatOptions& options);
unsigned effective_threads(const ChatOptions& options);

}  // namespace echo::bench
