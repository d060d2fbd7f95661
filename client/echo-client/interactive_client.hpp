#pragma once
// echo-client on a terminal: a `>>> ` prompt with line editing and history (libedit), each line
// sent and its reply printed. Ctrl-D quits; a dropped connection ends it with a clear message.

#include <string>

namespace echo::client {

// Talks over the connected socket `fd` (and closes it). Returns the exit status.
int run_interactive(int fd, const std::string& server);

}  // namespace echo::client
