#include "chat_core.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "chat_command.hpp"

namespace echo::chat {
namespace {

constexpr std::string_view kGuestPrefix = "guest-";
constexpr std::size_t kEchoedWordMax = 40;  // an unknown command is quoted back, cut to this

std::string quoted_word(std::string_view word) {
  if (word.size() <= kEchoedWordMax) return std::string(word);
  return std::string(word.substr(0, kEchoedWordMax)) + "...";
}

}  // namespace

void ChatCore::to_one(MemberId id, std::string line, ChatOutput& out, bool close) {
  out.deliveries.push_back(Delivery{{id}, std::move(line), close});
}

void ChatCore::enter(MemberId id, Member& member, const std::string& room, ChatOutput& out) {
  member.room = room;
  Room& members = rooms_[room];
  members.push_back(id);
  out.deliveries.push_back(Delivery{members, fmt::format("* {} joined\n", member.name), false});
}

void ChatCore::exit(MemberId id, Member& member, ChatOutput& out) {
  const auto it = rooms_.find(member.room);
  if (it == rooms_.end()) return;
  Room& members = it->second;
  members.erase(std::find(members.begin(), members.end(), id));
  if (members.empty()) {
    rooms_.erase(it);  // rooms cost memory only while someone is in them
    return;
  }
  out.deliveries.push_back(Delivery{members, fmt::format("* {} left\n", member.name), false});
}

void ChatCore::join(MemberId id, ChatOutput& out) {
  const auto [it, fresh] = members_.try_emplace(id, Member{fmt::format("{}{}", kGuestPrefix, id), {}});
  if (!fresh) return;  // a member joins once
  names_.insert(it->second.name);
  enter(id, it->second, std::string(kLobby), out);
}

void ChatCore::leave(MemberId id, std::string_view last_line, ChatOutput& out) {
  const auto it = members_.find(id);
  if (it != members_.end()) {
    exit(id, it->second, out);
    names_.erase(it->second.name);
    members_.erase(it);
  }
  to_one(id, std::string(last_line), out, true);
}

void ChatCore::nick(MemberId id, Member& member, std::string_view name, ChatOutput& out) {
  if (!valid_chat_name(name)) return to_one(id, "* error: a name is 1-32 of A-Z a-z 0-9 _ -\n", out);
  if (name == member.name) return to_one(id, fmt::format("* you are {}\n", name), out);
  if (name.substr(0, kGuestPrefix.size()) == kGuestPrefix)
    return to_one(id, fmt::format("* error: names starting with {} are reserved\n", kGuestPrefix), out);
  if (!names_.insert(std::string(name)).second) return to_one(id, fmt::format("* error: the name {} is taken\n", name), out);
  names_.erase(member.name);
  member.name = std::string(name);
  to_one(id, fmt::format("* you are now {}\n", name), out);
}

void ChatCore::who(MemberId id, const Member& member, ChatOutput& out) {
  std::vector<std::string_view> names;
  for (const MemberId other : rooms_.at(member.room)) names.push_back(members_.at(other).name);
  std::sort(names.begin(), names.end());
  to_one(id, fmt::format("* in {}: {}\n", member.room, fmt::join(names, " ")), out);
}

void ChatCore::line(MemberId id, std::string_view text, ChatOutput& out) {
  const auto it = members_.find(id);
  if (it == members_.end()) return;  // it has quit; what it sent after is dropped
  Member& member = it->second;
  const ChatCommand command = parse_chat_line(text);
  switch (command.kind) {
    case CommandKind::message: {
      std::string said = member.name + ": ";
      append_transformed(transform_, command.arg, said);
      said += '\n';
      out.deliveries.push_back(Delivery{rooms_.at(member.room), std::move(said), false});
      ++out.messages;
      return;
    }
    case CommandKind::nick:
      return nick(id, member, command.arg, out);
    case CommandKind::join: {
      if (!valid_chat_name(command.arg)) return to_one(id, "* error: a room name is 1-32 of A-Z a-z 0-9 _ -\n", out);
      if (command.arg == member.room) return to_one(id, fmt::format("* you are in {}\n", member.room), out);
      exit(id, member, out);
      return enter(id, member, std::string(command.arg), out);
    }
    case CommandKind::who:
      return who(id, member, out);
    case CommandKind::quit:
      to_one(id, "* bye\n", out, true);
      exit(id, member, out);
      names_.erase(member.name);
      members_.erase(it);
      return;
    case CommandKind::unknown:
      return to_one(id, fmt::format("* error: unknown command {}; try /nick NAME, /join ROOM, /who, /quit\n",
                                    quoted_word(command.arg)), out);
    case CommandKind::usage:
      return to_one(id, fmt::format("* error: {}\n", command.arg), out);
  }
}

}  // namespace echo::chat
