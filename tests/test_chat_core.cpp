// The chat core without sockets: commands, names, rooms, notices and the order of deliveries,
// as SPEC.md "Chat" states them; and the hub wire format.

#include <doctest/doctest.h>

#include <map>
#include <utility>
#include <string>
#include <vector>

#include "chat_command.hpp"
#include "chat_core.hpp"
#include "chat_wire.hpp"

using namespace echo::chat;

namespace {

// Plays deliveries into per-member inboxes, the way a backend does.
struct Room {
  ChatCore core{echo::Transform::upper};
  ChatOutput out;
  std::map<MemberId, std::vector<std::string>> inbox;
  std::map<MemberId, bool> closed;

  void play() {
    for (const auto& d : out.deliveries)
      for (const MemberId id : d.to) {
        if (!d.line.empty()) inbox[id].push_back(d.line.substr(0, d.line.size() - 1));
        if (d.close) closed[id] = true;
      }
    out.clear();
  }
  void join(MemberId id) {
    core.join(id, out);
    play();
  }
  void say(MemberId id, std::string_view line) {
    core.line(id, line, out);
    play();
  }
  void leave(MemberId id, std::string_view last = {}) {
    core.leave(id, last, out);
    play();
  }
  std::vector<std::string> take(MemberId id) { return std::exchange(inbox[id], {}); }
};

}  // namespace

TEST_CASE("chat: a newcomer is guest-N in the lobby, and the lobby sees it join") {
  Room r;
  r.join(7);
  CHECK(r.take(7) == std::vector<std::string>{"* guest-7 joined"});
  r.join(8);
  CHECK(r.take(7) == std::vector<std::string>{"* guest-8 joined"});
  CHECK(r.take(8) == std::vector<std::string>{"* guest-8 joined"});
  CHECK(r.core.has_room("lobby"));
}

TEST_CASE("chat: a message reaches every member of the room, the sender too, text transformed and the name not") {
  Room r;
  r.join(1);
  r.join(2);
  r.say(1, "/nick Alice");
  r.take(1), r.take(2);
  r.say(1, "hello, caf\xc3\xa9");
  CHECK(r.take(1) == std::vector<std::string>{"Alice: HELLO, CAF\xc3\xa9"});
  CHECK(r.take(2) == std::vector<std::string>{"Alice: HELLO, CAF\xc3\xa9"});
  CHECK(r.out.messages == 0);  // play() cleared it; count one on its own
  r.core.line(2, "x", r.out);
  CHECK(r.out.messages == 1);
}

TEST_CASE("chat: --transform echo leaves the text as sent") {
  ChatCore core(echo::Transform::echo);
  ChatOutput out;
  core.join(1, out);
  out.clear();
  core.line(1, "MiXed", out);
  REQUIRE(out.deliveries.size() == 1);
  CHECK(out.deliveries[0].line == "guest-1: MiXed\n");
}

TEST_CASE("chat: an empty line, a trailing CR, and // for a message that starts with /") {
  Room r;
  r.join(1);
  r.take(1);
  r.say(1, "");
  r.say(1, "hi\r");
  r.say(1, "//etc/passwd");
  CHECK(r.take(1) == std::vector<std::string>{"guest-1: ", "guest-1: HI", "guest-1: /ETC/PASSWD"});
}

TEST_CASE("chat: /nick checks the name and keeps names unique server-wide") {
  Room r;
  r.join(1);
  r.join(2);
  r.say(2, "/join elsewhere");
  r.take(1), r.take(2);
  r.say(1, "/nick bob_the-2nd");
  CHECK(r.take(1) == std::vector<std::string>{"* you are now bob_the-2nd"});
  r.say(2, "/nick bob_the-2nd");  // in another room: still taken
  CHECK(r.take(2) == std::vector<std::string>{"* error: the name bob_the-2nd is taken"});
  r.say(2, "/nick guest-9");
  CHECK(r.take(2) == std::vector<std::string>{"* error: names starting with guest- are reserved"});
  for (const char* bad : {"/nick bad!name", "/nick \xc3\xa9t\xc3\xa9", "/nick 123456789012345678901234567890123"}) {
    CAPTURE(bad);
    r.say(2, bad);
    CHECK(r.take(2) == std::vector<std::string>{"* error: a name is 1-32 of A-Z a-z 0-9 _ -"});
  }
  r.say(2, "/nick 12345678901234567890123456789012");  // 32: the longest
  CHECK(r.take(2) == std::vector<std::string>{"* you are now 12345678901234567890123456789012"});
  r.say(1, "/nick bob_the-2nd");
  CHECK(r.take(1) == std::vector<std::string>{"* you are bob_the-2nd"});
  r.say(1, "/nick carol");  // the old name is free again
  r.say(2, "/nick bob_the-2nd");
  CHECK(r.take(2) == std::vector<std::string>{"* you are now bob_the-2nd"});
}

TEST_CASE("chat: a name is freed when its member leaves") {
  Room r;
  r.join(1);
  r.say(1, "/nick zed");
  r.leave(1);
  r.join(2);
  r.say(2, "/nick zed");
  CHECK(r.take(2).back() == "* you are now zed");
}

TEST_CASE("chat: usage errors and unknown commands keep the member connected") {
  Room r;
  r.join(1);
  r.take(1);
  r.say(1, "/nick");
  r.say(1, "/nick two words");
  r.say(1, "/join");
  r.say(1, "/who me");
  r.say(1, "/quit now");
  r.say(1, "/dance");
  r.say(1, "/");
  CHECK(r.take(1) == std::vector<std::string>{
                         "* error: usage: /nick NAME", "* error: usage: /nick NAME", "* error: usage: /join ROOM",
                         "* error: usage: /who", "* error: usage: /quit",
                         "* error: unknown command /dance; try /nick NAME, /join ROOM, /who, /quit",
                         "* error: unknown command /; try /nick NAME, /join ROOM, /who, /quit"});
  CHECK_FALSE(r.closed[1]);
  r.say(1, "/" + std::string(100, 'x'));  // quoted back cut short
  CHECK(r.take(1).front().size() < 120);
}

TEST_CASE("chat: /join leaves the old room and enters the new one, with notices to both") {
  Room r;
  r.join(1);
  r.join(2);
  r.join(3);
  r.say(3, "/join side");
  r.take(1), r.take(2), r.take(3);
  r.say(1, "/join side");
  CHECK(r.take(2) == std::vector<std::string>{"* guest-1 left"});
  CHECK(r.take(3) == std::vector<std::string>{"* guest-1 joined"});
  CHECK(r.take(1) == std::vector<std::string>{"* guest-1 joined"});
  r.say(1, "only side");
  CHECK(r.take(2).empty());
  CHECK(r.take(3) == std::vector<std::string>{"guest-1: ONLY SIDE"});
  CHECK(r.take(1) == std::vector<std::string>{"guest-1: ONLY SIDE"});
  r.say(1, "/join side");
  CHECK(r.take(1) == std::vector<std::string>{"* you are in side"});
  r.say(1, "/join bad/room");
  CHECK(r.take(1) == std::vector<std::string>{"* error: a room name is 1-32 of A-Z a-z 0-9 _ -"});
}

TEST_CASE("chat: an empty room is forgotten (rooms cost memory only while used)") {
  Room r;
  r.join(1);
  for (int i = 0; i < 1000; ++i) r.say(1, "/join room" + std::to_string(i));
  CHECK(r.core.rooms() == 1);
  CHECK(r.core.has_room("room999"));
  CHECK_FALSE(r.core.has_room("lobby"));
}

TEST_CASE("chat: /who lists the room's names, sorted, and only to the asker") {
  Room r;
  r.join(1);
  r.join(2);
  r.join(3);
  r.say(3, "/join other");
  r.say(2, "/nick amy");
  r.take(1), r.take(2), r.take(3);
  r.say(1, "/who");
  CHECK(r.take(1) == std::vector<std::string>{"* in lobby: amy guest-1"});
  CHECK(r.take(2).empty());
}

TEST_CASE("chat: /quit says bye and closes; the room sees it leave; later lines are dropped") {
  Room r;
  r.join(1);
  r.join(2);
  r.take(1), r.take(2);
  r.say(1, "/quit");
  CHECK(r.take(1) == std::vector<std::string>{"* bye"});
  CHECK(r.closed[1]);
  CHECK(r.take(2) == std::vector<std::string>{"* guest-1 left"});
  r.say(1, "too late");
  CHECK(r.take(2).empty());
  r.leave(1);  // the session still says it left: it only gets its close again
  CHECK(r.take(2).empty());
  CHECK(r.core.members() == 1);
}

TEST_CASE("chat: leaving gives the member its last line and close; the room sees it leave") {
  Room r;
  r.join(1);
  r.join(2);
  r.take(1), r.take(2);
  r.leave(1, "ERR line too long\n");
  CHECK(r.take(1) == std::vector<std::string>{"ERR line too long"});
  CHECK(r.closed[1]);
  CHECK(r.take(2) == std::vector<std::string>{"* guest-1 left"});
  r.leave(2);
  CHECK(r.core.members() == 0);
  CHECK(r.core.rooms() == 0);
}

TEST_CASE("chat: interleaved senders - every member sees one order, each sender's in the order sent") {
  Room r;
  for (MemberId id = 1; id <= 4; ++id) r.join(id);
  for (MemberId id = 1; id <= 4; ++id) r.take(id);
  for (int i = 0; i < 50; ++i)
    for (MemberId id = 1; id <= 3; ++id) r.say(id, "m" + std::to_string(i));
  const auto seen = r.take(4);
  CHECK(seen.size() == 150);
  for (MemberId id = 1; id <= 3; ++id) CHECK(r.take(id) == seen);
  int next = 0;
  for (const auto& line : seen)
    if (line.rfind("guest-2: ", 0) == 0) CHECK(line == "guest-2: M" + std::to_string(next++));
  CHECK(next == 50);
}

TEST_CASE("chat command parser: words and arguments") {
  CHECK(parse_chat_line("/nick  al ").kind == CommandKind::nick);
  CHECK(parse_chat_line("/nick  al ").arg == "al");
  CHECK(parse_chat_line("/who\r").kind == CommandKind::who);
  CHECK(parse_chat_line("/WHO").kind == CommandKind::unknown);
  CHECK(parse_chat_line(" /who").kind == CommandKind::message);
  CHECK(valid_chat_name("a-Z_09"));
  CHECK_FALSE(valid_chat_name(""));
  CHECK_FALSE(valid_chat_name("a b"));
}

TEST_CASE("chat wire: events and deliveries survive any split of the stream") {
  std::string stream;
  append_event(stream, EventKind::join, 42);
  append_event(stream, EventKind::line, 42, "a\nb\n");
  const MemberId to[] = {1, 2, 0xFFFFFFFFFFFFull};
  std::string deliveries;
  append_delivery(deliveries, to, 3, "x: Y\n", false);
  append_delivery(deliveries, to, 1, "", true);
  for (std::size_t step = 1; step <= stream.size(); ++step) {
    FrameReader reader;
    std::vector<std::string> bodies;
    for (std::size_t at = 0; at < stream.size(); at += step) {
      reader.append(std::string_view(stream).substr(at, step));
      while (const auto body = reader.next()) bodies.emplace_back(*body);
    }
    REQUIRE(bodies.size() == 2);
    const auto first = decode_event(bodies[0]), second = decode_event(bodies[1]);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->kind == EventKind::join);
    CHECK(first->id == 42);
    CHECK(second->text == "a\nb\n");
  }
  FrameReader reader;
  reader.append(deliveries);
  const auto one = reader.next();
  REQUIRE(one);
  const auto d = decode_delivery(*one);
  REQUIRE(d);
  CHECK(d->count == 3);
  CHECK(d->id(2) == 0xFFFFFFFFFFFFull);
  CHECK(d->line == "x: Y\n");
  CHECK_FALSE(d->close);
  const auto two = reader.next();
  REQUIRE(two);
  CHECK(decode_delivery(*two)->close);
  CHECK_FALSE(reader.next());
}

TEST_CASE("chat wire: malformed frames are refused, not trusted") {
  CHECK_FALSE(decode_event(std::string("\x09", 1)));          // too short
  CHECK_FALSE(decode_event(std::string(9, '\0')));            // kind 0
  CHECK_FALSE(decode_delivery(std::string("\x00\x05\x00\x00\x00", 5)));  // 5 ids in no bytes
  CHECK_FALSE(decode_delivery(std::string("\x02\x00\x00\x00\x00", 5)));  // unknown flag
  FrameReader reader;
  reader.append(std::string("\xff\xff\xff\xff", 4));  // 4 GiB: past kMaxFrame
  CHECK_FALSE(reader.next());
  CHECK(reader.bad());
}
