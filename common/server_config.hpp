#pragma once
// Everything echo-server's command line decides, shared by main and every backend.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "framer.hpp"
#include "transform.hpp"

namespace echo {

// hybrid: how its worker processes share the port (see servers/hybrid_backend.cpp).
enum class ListenerSharing { shared, reuseport };
inline std::string_view to_string(ListenerSharing l) { return l == ListenerSharing::shared ? "shared" : "reuseport"; }

struct ServerConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 7007;
  unsigned workers = 0;  // pool threads or hybrid processes; main() turns 0 into the cores we may use
  ListenerSharing listener = ListenerSharing::shared;
  Transform transform = Transform::upper;
  Framing framing = Framing::line;  // raw: the seeds' protocol, no lines (see framer.hpp)
  std::size_t max_line = 65536;
  bool chat = false;                 // --chat: clients talk to each other (common/chat/)
  std::size_t max_backlog = 1 << 20;  // --chat: a member's undelivered output at most, in bytes
  std::size_t max_connections = 0;          // 0 = the mode's default (see default_max_connections)
  std::chrono::milliseconds idle_timeout{0};  // 0 = none
  // After a stop request, how long connections get to take their last replies before being cut.
  std::chrono::milliseconds drain_timeout{2000};
};

}  // namespace echo
