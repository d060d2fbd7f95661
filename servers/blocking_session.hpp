#pragma once
// The session loop of the blocking backends (fork, thread): read, feed the framer, write what
// came out, until the framer or the peer says stop. The calling thread or process sleeps in
// recv() and send(); the kernel does all the waiting.

#include "connection_registry.hpp"
#include "counters.hpp"
#include "server_config.hpp"

namespace echo {

// Serves the connection `fd` to its end and closes it, leaving `registry` (if any) just before. To end it early from outside (a stop
// request), shutdown(fd, SHUT_RD): recv() then returns 0 and the session answers what it has
// read and closes; shutdown(fd, SHUT_RDWR) also fails a send() that is stuck on a peer that
// does not read.
void serve_blocking(int fd, const ServerConfig& config, Counters& counters, ConnectionRegistry* registry = nullptr);

}  // namespace echo

namespace echo {
// After an ERR: FIN, then discard input for a moment (see session_limits.hpp). `fd` blocking.
void linger_before_close(int fd);
}  // namespace echo
