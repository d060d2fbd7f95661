#pragma once
// Everything one `echo-bench run` needs to know; compare fills in one per point.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "payload.hpp"

namespace echo::bench {

struct RunOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 7007;
  std::size_t connections = 10;  // -c: concurrent connections (or, with --churn, concurrent slots)
  std::size_t pipeline = 1;      // -p: lines in flight per connection
  std::size_t size = 64;         // -s: bytes per request, LF included
  double duration_s = 5;         // -d: measured seconds (when requests == 0)
  std::uint64_t requests = 0;    // -n: stop after this many replies instead of after -d
  double warmup_s = 0.5;         // uncounted seconds before -d starts (none with -n)
  double rate = 0;               // --rate: total requests per second; 0 = closed loop
  bool churn = false;            // a new connection for every request
  Expect expect = Expect::upper;
  Framing framing = Framing::line;  // raw: the seeds' protocol; a request is -s bytes with no LF
  unsigned threads = 0;          // -t: 0 = as many as CPUs this process may run on
  double timeout_s = 5;          // a connect or a reply this late is a timeout error
  double connect_rate = 0;       // --connect-rate: connects started per second, at most; 0 = unpaced
  bool progress = true;          // a line on stderr every second
  std::string label;             // prefix of the progress line (compare names its points)
  std::size_t idle = 0;          // --idle: more connections, opened first, held silent (idle_crowd.hpp)
  std::size_t sources = 0;       // source addresses to spread over; 0 = as the count needs (source_addresses.hpp)
  bool hold = false;             // a load process of a bigger run: say `ready` on stdout, start on SIGUSR1
  unsigned agent_index = 0;      // --agent I/N: this process is agent I (from 0) of N, with its share
  unsigned agent_count = 1;      //   of -c, --rate and -n (agent_share.cpp)
  double start_at = 0;           // --start-at: Unix time the load starts at; 0 = at once
};

// One line saying what is wrong with the options, or nothing when they make sense.
std::optional<std::string> validate(const RunOptions& options);

// Worker threads to use: -t, or the CPUs we may run on, never more than the connections.
unsigned effective_threads(const RunOptions& options);

std::optional<Expect> parse_expect(const std::string& name);
const char* to_string(Expect expect);

}  // namespace echo::bench
