#pragma once
// The modes compare may ask for, from the echo-server it is going to start (`--list-modes`):
// servers/backend.cpp's registry stays the one list, and a new mode needs nothing here.

#include <string>
#include <vector>

namespace echo::bench {

// The echo-server compare starts: `server` (--server), or the one beside echo-bench.
std::string echo_server_path(const std::string& server);

// Every mode of `server` (its path; empty: the echo-server beside echo-bench), in its order.
// False, with `error` set (one line), if it cannot be run or lists nothing.
bool list_server_modes(const std::string& server, std::vector<std::string>& modes, std::string& error);

// compare's --modes: when the user gave none (`given` false), every mode of the server; else
// the ones given, each checked against the server's list. Returns 0, or the exit code to stop
// with and `error` (one line): 1 when the server cannot list its modes and none were given,
// 2 for a mode it does not have. Modes given to a server that cannot list them stay unchecked.
int resolve_modes(const std::string& server, bool given, std::vector<std::string>& modes, std::string& error);

}  // namespace echo::bench
