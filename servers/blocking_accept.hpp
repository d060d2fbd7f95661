#pragma once
// The accept step of the blocking backends (fork, thread): sleep in poll() until a connection,
// a stop request or another event arrives; survive running out of descriptors.

#include "counters.hpp"
#include "net.hpp"

namespace echo {

inline constexpr int kAcceptStopped = -1;  // stop was requested
inline constexpr int kAcceptWoken = -2;    // `wake_fd` became readable

// `listen_fd` must be non-blocking. Returns a connected socket (blocking, close-on-exec),
// kAcceptStopped or kAcceptWoken.
int accept_next(int listen_fd, SpareFd& spare, Counters& counters, int wake_fd = -1);

}  // namespace echo
