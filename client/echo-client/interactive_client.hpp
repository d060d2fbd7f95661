#pragma once
// echo-client on a terminal: a `>>> ` prompt with line editing and history (libedit's callback
// interface), each line typed sent at once, and whatever the server sends (replies, or in chat
// other people's lines) printed the moment it arrives, above the prompt, leaving the line being
// typed intact. Ctrl-D quits, Ctrl-C drops the line being typed; a dropped connection ends it
// with a clear message (after /quit, the server closing is the expected end).

#include <string>

#include "framer.hpp"

namespace echo::client {

// Talks over the connected socket `fd` (and closes it). Returns the exit status.
// Raw framing: a typed line is sent without its LF, and whatever comes back is printed as it comes.
int run_interactive(int fd, const std::string& server, Framing framing);

}  // namespace echo::client
