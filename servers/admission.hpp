#pragma once
// The one admission check of every accept loop (fork, thread, and the event-loop server of pool
// and coro), in one place as redis's acceptCommonHandler: a new connection takes one of
// --max-connections places, counted in the shared Counters so that processes serving one port
// share the limit, or it is told `ERR server busy` and closed at once. Either way it is counted.
// Whoever admitted a connection releases its place when it closes (Counters::release).

#include <cstddef>

#include "counters.hpp"
#include "net.hpp"
#include "protocol.hpp"

namespace echo {

// True: `fd` holds a place. False: it was turned away (and is closed).
inline bool admit(int fd, std::size_t limit, Counters& counters) {
  if (counters.try_admit(limit)) return true;
  reject_and_close(fd, kErrServerBusy);
  return false;
}

// The same for a socket object that owns its descriptor (asio's): it lets go of it only to be
// turned away, so an admitted connection costs nothing more.
template <typename Socket>
bool admit(Socket& socket, std::size_t limit, Counters& counters) {
  if (counters.try_admit(limit)) return true;
  reject_and_close(socket.release(), kErrServerBusy);
  return false;
}

// An admitted connection that cannot be served after all (fork() or a new thread failed): gives
// its place back and turns it away like admit() does.
inline void turn_back(int fd, Counters& counters) {
  counters.unadmit();
  reject_and_close(fd, kErrServerBusy);
}

}  // namespace echo
