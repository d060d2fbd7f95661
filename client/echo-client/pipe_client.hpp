#pragma once
// echo-client when stdin is not a terminal: every input line goes out at once (pipelined), every
// reply is printed in order, and the exit status says whether every line was answered.

#include <string>

namespace echo::client {

// Talks over the connected socket `fd` (and closes it). Returns the exit status: 0 when every
// line got its reply, 1 otherwise (with one line on stderr saying why).
int run_pipe(int fd, int in_fd, int out_fd);

}  // namespace echo::client
