#pragma once
// The server under load: resolved once, then connected to many times without blocking.

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>

#include "source_addresses.hpp"

namespace echo::bench {

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "127.0.0.1:7007"
  // Set when one source address has too few ports: connections bind to these in turn.
  std::shared_ptr<const SourceAddresses> sources;
};

// Resolves host:port to its first address; nullopt with `error` set when it cannot.
std::optional<Target> resolve_target(const std::string& host, unsigned short port, std::string& error);

// Starts a non-blocking connect with TCP_NODELAY, from the next source address if any. Returns the fd (connected or in progress), or
// -1 with errno set.
int start_connect(const Target& target);

// The pending error of a socket whose non-blocking connect finished (0 when it connected).
int socket_error(int fd);

// Whether addr is in 127.0.0.0/8, where every address is this machine's (source_addresses.cpp
// binds to them); is_loopback also takes ::1: a server on this machine either way.
bool is_loopback_v4(const sockaddr_storage& addr);
bool is_loopback(const sockaddr_storage& addr);

}  // namespace echo::bench
