#pragma once
// What the two session loops (blocking_session.cpp, async_session.cpp) share besides the framer.

#include <chrono>
#include <cstddef>

namespace echo {

// One read. A read's replies are all written before the next read (backpressure), so this also
// bounds the reply buffer.
inline constexpr std::size_t kReadSize = 16384;

// After an ERR the peer may still be sending; closing at once would answer with RST and could
// destroy the ERR line before it is read. So: send FIN, then discard input for at most this long
// or this many reads (4 MiB), then close.
inline constexpr std::chrono::milliseconds kLingerTime{500};
inline constexpr int kLingerReads = 256;

}  // namespace echo
