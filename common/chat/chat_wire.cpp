#include "chat_wire.hpp"

#include <cstring>

namespace echo::chat {
namespace {

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T get(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

}  // namespace

MemberId DeliveryView::id(std::size_t i) const { return get<MemberId>(ids + i * sizeof(MemberId)); }

void append_event(std::string& out, EventKind kind, MemberId id, std::string_view text) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(1 + sizeof(MemberId) + text.size()));
  put<std::uint8_t>(out, static_cast<std::uint8_t>(kind));
  put<MemberId>(out, id);
  out.append(text);
}

void append_delivery(std::string& out, const MemberId* to, std::size_t count, std::string_view line, bool close) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(1 + 4 + count * sizeof(MemberId) + line.size()));
  put<std::uint8_t>(out, close ? 1 : 0);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(count));
  out.append(reinterpret_cast<const char*>(to), count * sizeof(MemberId));
  out.append(line);
}

std::optional<Event> decode_event(std::string_view body) {
  if (body.size() < 1 + sizeof(MemberId)) return std::nullopt;
  const auto kind = static_cast<std::uint8_t>(body[0]);
  if (kind < 1 || kind > 3) return std::nullopt;
  return Event{static_cast<EventKind>(kind), get<MemberId>(body.data() + 1), body.substr(1 + sizeof(MemberId))};
}

std::optional<DeliveryView> decode_delivery(std::string_view body) {
  if (body.size() < 5) return std::nullopt;
  const auto flags = static_cast<std::uint8_t>(body[0]);
  const std::size_t count = get<std::uint32_t>(body.data() + 1);
  if (flags > 1 || count > (body.size() - 5) / sizeof(MemberId)) return std::nullopt;
  DeliveryView view;
  view.close = flags == 1;
  view.count = count;
  view.ids = body.data() + 5;
  view.line = body.substr(5 + count * sizeof(MemberId));
  return view;
}

std::optional<std::string_view> FrameReader::next() {
  const std::size_t left = buf_.size() - pos_;
  if (!bad_ && left >= 4) {
    const std::size_t length = get<std::uint32_t>(buf_.data() + pos_);
    if (length > kMaxFrame) {
      bad_ = true;
      return std::nullopt;
    }
    if (left - 4 >= length) {
      const std::string_view body(buf_.data() + pos_ + 4, length);
      pos_ += 4 + length;
      return body;
    }
  }
  buf_.erase(0, pos_);  // keep only the unfinished frame; earlier bodies are no longer used
  pos_ = 0;
  return std::nullopt;
}

}  // namespace echo::chat
