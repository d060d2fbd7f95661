#pragma once
// echo-client when stdin is not a terminal: every input line goes out at once (pipelined), every
// reply is printed in order, and the exit status says whether every line was answered. With raw
// framing the input goes out as it is, byte for byte, and whatever comes back is printed.

#include <string>

#include "framer.hpp"

namespace echo::client {

// Talks over the connected socket `fd` (and closes it). Returns the exit status: 0 when every
// line got its reply (raw framing: every byte came back), 1 otherwise (one line on stderr says why).
// `chat`: replies are not counted (others talk too); every line received is printed until the
// server closes after our end of input, and the status is 0 unless the server sent an ERR line or
// closed before all input was sent.
int run_pipe(int fd, int in_fd, int out_fd, Framing framing, bool chat = false);

}  // namespace echo::client
