#pragma once
// fork --chat: a child serves its one connection and its channel to the hub at once, so it waits
// on two descriptors; a small event loop runs the same chat session as coro does.

#include "counters.hpp"
#include "server_config.hpp"

namespace echo::chat {

// Serves the connection `fd` (address family `family`) with the rooms in the hub at the other
// end of `hub_fd`; returns once the connection is closed.
void serve_chat_child(int fd, int family, int hub_fd, const ServerConfig& config, Counters& counters);

}  // namespace echo::chat
