#pragma once
// What one chat line asks for: a message, or one of the commands of SPEC.md "Chat". Parsing
// only; what a command does is ChatCore's (chat_core.hpp). No I/O, no state.

#include <string_view>

namespace echo::chat {

enum class CommandKind { message, nick, join, who, quit, unknown, usage };

struct ChatCommand {
  CommandKind kind;
  // message: the text; nick/join: the argument; unknown: the command word; usage: the usage text.
  std::string_view arg;
};

// `line` without its LF. One trailing CR is dropped (telnet and `nc -C` end lines with CRLF).
// A line not starting with '/' is a message; "//text" is the message "/text".
ChatCommand parse_chat_line(std::string_view line);

// 1-32 of A-Z a-z 0-9 _ - : the rule for names and rooms alike.
bool valid_chat_name(std::string_view name);

inline constexpr std::size_t kMaxChatName = 32;

}  // namespace echo::chat
