#pragma once
// The bytes between a fork/hybrid worker process and the chat hub (servers/chat/hub.*), both
// ways over one socketpair per worker. Sans I/O: encoding, and a reader that cuts a byte stream
// into frames, so the format is tested and fuzzed without processes.
//
// Every frame: u32 body length, then the body (host byte order: both ends are one machine).
//   worker -> hub, an event:    u8 kind (join, line, leave) | u64 member id | text
//   hub -> worker, a delivery:  u8 flags (bit 0: close) | u32 n | n x u64 member id | line
// A delivery carries one copy of the line for all of that worker's recipients, not one per member.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat_core.hpp"

namespace echo::chat {

enum class EventKind : std::uint8_t { join = 1, line = 2, leave = 3 };

struct Event {
  EventKind kind;
  MemberId id;
  std::string_view text;  // line: the line without LF; leave: the member's last line (may be empty)
};

// A decoded delivery; its member ids are read in place (they need not be aligned).
struct DeliveryView {
  bool close = false;
  std::size_t count = 0;
  const char* ids = nullptr;
  std::string_view line;
  MemberId id(std::size_t i) const;
};

inline constexpr std::size_t kMaxFrame = std::size_t{1} << 31;  // --max-line is at most 1 GiB

void append_event(std::string& out, EventKind kind, MemberId id, std::string_view text = {});
// `to` are the recipients that live on the worker this frame goes to.
void append_delivery(std::string& out, const MemberId* to, std::size_t count, std::string_view line, bool close);

std::optional<Event> decode_event(std::string_view body);
std::optional<DeliveryView> decode_delivery(std::string_view body);

// Cuts a byte stream into frame bodies.
class FrameReader {
 public:
  void append(std::string_view bytes) { buf_.append(bytes); }
  // The next whole frame's body, valid until the next call; nullopt when none is complete yet
  // (or the stream is corrupt: see bad()).
  std::optional<std::string_view> next();
  bool bad() const { return bad_; }
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  bool bad_ = false;
};

}  // namespace echo::chat
