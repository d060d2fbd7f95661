#pragma once
// thread --chat: one thread per connection, as in echo, but the thread now waits for two things:
// its socket, and its outbox, which other threads fill (an eventfd says so). It sleeps in poll()
// on both; writes never block it, so a peer that does not read cannot stop it reading.

#include "chat_link.hpp"
#include "connection_registry.hpp"
#include "counters.hpp"
#include "server_config.hpp"

namespace echo::chat {

// Serves the connection `fd` to its end and closes it, leaving `registry` just before.
void serve_blocking_chat(int fd, const ServerConfig& config, Counters& counters, ConnectionRegistry& registry,
                         ChatLink& link);

}  // namespace echo::chat
