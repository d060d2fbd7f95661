#pragma once
// `echo-bench chat`: N clients in R rooms of a --chat server, K of them sending, every delivery
// checked, delivery latency measured.

#include <optional>
#include <string>

#include "chat_options.hpp"
#include "chat_result.hpp"

namespace echo::bench {

// nullopt with `error` set (one line) when the run could not happen: bad options, nothing listens,
// too few descriptors, or the clients could not all get into their rooms.
std::optional<ChatResult> run_chat(const ChatOptions& options, std::string& error);

}  // namespace echo::bench
