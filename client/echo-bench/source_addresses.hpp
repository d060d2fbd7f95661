#pragma once
// Where the bench's connections come from. One source address has one range of ephemeral ports
// towards one server port (net.ipv4.ip_local_port_range, ~28k here); past that, connect() fails
// with EADDRNOTAVAIL. Every 127.x address is local on Linux, so towards a loopback server the
// bench binds its connections, in turn, to 127.0.0.1, 127.0.0.2, ... and gets a range per address.

#include <netinet/in.h>

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

// Ephemeral ports one source address has towards one server port (the sysctl's range).
std::size_t ephemeral_ports();

// Connections one source address is given: the range less a tenth (TIME_WAIT left by earlier
// runs, other programs).
std::size_t connections_per_address();

class SourceAddresses {
 public:
  explicit SourceAddresses(std::size_t count);  // 127.0.0.1 .. 127.0.0.count
  std::size_t size() const { return addrs_.size(); }
  // The address the next connection binds to, round robin (any thread).
  const sockaddr_in& next() const;
  std::string describe() const;  // "127.0.0.1-127.0.0.4"

 private:
  std::vector<sockaddr_in> addrs_;
  mutable std::atomic<std::size_t> next_{0};
};

// How many source addresses `connections` (this process's and its siblings' together) to
// target_addr need: 1 needs no binding. Towards a non-loopback address there is only one:
// nullopt with `error` saying what is short, with the numbers.
std::optional<std::size_t> source_addresses_needed(const sockaddr_storage& target_addr, std::size_t connections,
                                                   std::string& error);

struct RunOptions;
struct Target;
// Sets target.sources when the run's connections (-c and --idle of every load process;
// RunOptions::sources when a parent decided it) need more than one source address.
bool spread_sources(const RunOptions& o, Target& target, std::string& error);

}  // namespace echo::bench
