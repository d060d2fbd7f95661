#pragma once
// The chat, sans I/O: rooms, names, commands and the order rule, written once for every
// backend. Told "member M joined / sent line L / left", it says what to deliver to whom, in the
// order to deliver it. Whoever calls it decides the order of a room (coro's loop, a lock, the
// fork/hybrid hub): calls are made one at a time, and every member is handed its deliveries in
// the order they are returned, so every member of a room sees the room in one order.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "transform.hpp"

namespace echo::chat {

// Server-wide connection number (Counters::next_member_id): the N of guest-N, unique across
// every process and thread of one server.
using MemberId = std::uint64_t;

struct Delivery {
  std::vector<MemberId> to;
  std::string line;    // with its LF; empty when the delivery only closes
  bool close = false;  // after `line`, the recipients' connections are closed
};

struct ChatOutput {
  std::vector<Delivery> deliveries;
  std::uint64_t messages = 0;  // messages accepted (each fanned out as `NAME: TEXT`)
  void clear() {
    deliveries.clear();
    messages = 0;
  }
};

inline constexpr std::string_view kLobby = "lobby";

class ChatCore {
 public:
  explicit ChatCore(Transform transform) : transform_(transform) {}

  // A new connection: named guest-<id>, in the lobby; the lobby (the newcomer too) sees it join.
  void join(MemberId id, ChatOutput& out);
  // One line the member sent, LF removed. Lines from a member that has quit are ignored.
  void line(MemberId id, std::string_view line, ChatOutput& out);
  // The connection is ending (end of input, an error, a stop): the room sees it leave, and the
  // member gets `last_line` (e.g. `ERR line too long\n`, may be empty) and a close. Also after
  // /quit, so that the caller learns when the member's last delivery was handed out.
  void leave(MemberId id, std::string_view last_line, ChatOutput& out);

  std::size_t members() const { return members_.size(); }
  std::size_t rooms() const { return rooms_.size(); }
  bool has_room(std::string_view room) const { return rooms_.count(std::string(room)) > 0; }

 private:
  struct Member {
    std::string name;
    std::string room;
  };
  using Room = std::vector<MemberId>;  // in the order they joined

  void enter(MemberId id, Member& member, const std::string& room, ChatOutput& out);
  void exit(MemberId id, Member& member, ChatOutput& out);  // leaves its room, notifies the rest
  void nick(MemberId id, Member& member, std::string_view name, ChatOutput& out);
  void who(MemberId id, const Member& member, ChatOutput& out);
  static void to_one(MemberId id, std::string line, ChatOutput& out, bool close = false);

  Transform transform_;
  std::unordered_map<MemberId, Member> members_;
  std::unordered_map<std::string, Room> rooms_;  // a room exists while it has members
  std::unordered_set<std::string> names_;        // every member's name, server-wide
};

}  // namespace echo::chat
