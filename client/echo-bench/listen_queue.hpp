#pragma once
// Did the server accept slower than the connects came? The kernel counts every connection it
// dropped because a listening socket's accept queue was full (TcpExt ListenOverflows in
// /proc/net/netstat). The count is machine-wide, so it speaks for the server only when the
// server runs on this machine: towards a loopback target (is_loopback, target.hpp).

#include <cstdint>
#include <optional>

namespace echo::bench {

// This machine's count so far; nullopt when /proc/net/netstat cannot be read.
std::optional<std::uint64_t> listen_overflows();

}  // namespace echo::bench
