#include "chat_command.hpp"

#include <algorithm>

namespace echo::chat {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The command's one argument: present and without spaces, or a usage error.
ChatCommand one_argument(CommandKind kind, std::string_view rest, std::string_view usage) {
  if (rest.empty() || rest.find(' ') != std::string_view::npos) return {CommandKind::usage, usage};
  return {kind, rest};
}

}  // namespace

bool valid_chat_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxChatName && std::all_of(name.begin(), name.end(), is_name_char);
}

ChatCommand parse_chat_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() != '/') return {CommandKind::message, line};
  if (line.size() > 1 && line[1] == '/') return {CommandKind::message, line.substr(1)};
  const std::size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? std::string_view{} : trim_spaces(line.substr(space));
  if (word == "/nick") return one_argument(CommandKind::nick, rest, "usage: /nick NAME");
  if (word == "/join") return one_argument(CommandKind::join, rest, "usage: /join ROOM");
  if (word == "/who") return rest.empty() ? ChatCommand{CommandKind::who, {}} : ChatCommand{CommandKind::usage, "usage: /who"};
  if (word == "/quit") return rest.empty() ? ChatCommand{CommandKind::quit, {}} : ChatCommand{CommandKind::usage, "usage: /quit"};
  return {CommandKind::unknown, word};
}

}  // namespace echo::chat
