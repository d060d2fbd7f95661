#pragma once
// What every accept loop (blocking or event loop) does when accept() fails.

#include <chrono>

#include "counters.hpp"
#include "net.hpp"

namespace echo {

// Handles accept()'s failure `err` on `listen_fd`: out of descriptors, it turns the waiting
// client away with the spare descriptor (else the listening socket stays readable and the loop
// spins at 100% CPU); it warns at most once a second. Returns how long the loop should wait
// before accepting again: 0 for the harmless errors (a peer that gave up in the backlog).
std::chrono::milliseconds on_accept_failure(int err, int listen_fd, SpareFd& spare, Counters& counters);

}  // namespace echo
