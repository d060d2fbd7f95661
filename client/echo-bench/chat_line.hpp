#pragma once
// The lines echo-bench chat sends and reads. A measured message is `M SENDER SEQ ORIGIN_NS`
// (the server delivers it as `NAME: M ...`); `J CLIENT` is the hello a client sends once it asked
// to join, and seeing its own hello come back proves it is in the room. Capitals and digits only,
// so `--transform upper` and `echo` deliver them unchanged.

#include <cstdint>
#include <string>
#include <string_view>

namespace echo::bench {

std::string message_line(std::uint64_t sender, std::uint64_t seq, std::uint64_t origin_ns);  // with LF
std::string hello_line(std::uint64_t client);                                                  // with LF

struct ChatLine {
  enum class Kind {
    message,       // NAME: M SENDER SEQ ORIGIN
    hello,         // NAME: J CLIENT
    notice,        // `* ...`: a command's answer, or someone joined or left
    server_error,  // `ERR ...`: the server is closing this connection
    malformed,     // anything else: the server delivered what nobody sent
  };
  Kind kind = Kind::malformed;
  std::uint64_t sender = 0, seq = 0, origin_ns = 0;  // message
  std::uint64_t client = 0;                          // hello
};

// One line as received, without its LF.
ChatLine parse_chat_line(std::string_view line);

}  // namespace echo::bench
