#pragma once
// echo-client on a terminal: a `>>> ` prompt with line editing and history (libedit), each line
// sent and its reply printed. Ctrl-D quits; a dropped connection ends it with a clear message.

#include <string>

#include "framer.hpp"

namespace echo::client {

// Talks over the connected socket `fd` (and closes it). Returns the exit status.
// Raw framing: a typed line is sent without its LF, and as many bytes as were sent are awaited.
int run_interactive(int fd, const std::string& server, Framing framing);

}  // namespace echo::client
