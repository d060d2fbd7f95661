// libFuzzer target for the chat core and its wire format: arbitrary joins, lines and leaves from
// a handful of members must keep the core's promises (every delivery is one line ending in LF;
// it goes only to current members, a close only to the member that is ending; names stay
// unique), and every delivery must survive the hub's wire format, however the stream is cut.
//
// Input: records. Byte 0 of each: bits 0-2 the member (1..8), bits 3-4 the operation (join, line,
// leave, line), bits 5-7 where to cut the wire stream; then, for a line, one length byte and
// that many bytes of text (LF removed: a line never holds one).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "chat_core.hpp"
#include "chat_wire.hpp"

namespace {

using namespace echo::chat;

void check(bool ok) {
  if (!ok) std::abort();
}

// Every delivery, encoded, cut at `cut` and read back, must decode to itself.
void check_wire(const Delivery& d, std::size_t cut) {
  std::string stream;
  append_delivery(stream, d.to.data(), d.to.size(), d.line, d.close);
  FrameReader reader;
  cut = cut % (stream.size() + 1);
  reader.append(std::string_view(stream).substr(0, cut));
  const auto early = reader.next();
  check(!early || cut == stream.size());
  if (!early) reader.append(std::string_view(stream).substr(cut));
  const auto body = early ? early : reader.next();
  check(body.has_value());
  const auto view = decode_delivery(*body);
  check(view && view->count == d.to.size() && view->line == d.line && view->close == d.close);
  for (std::size_t i = 0; i < view->count; ++i) check(view->id(i) == d.to[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ChatCore core(echo::Transform::upper);
  ChatOutput out;
  std::set<MemberId> present;
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t op = data[i++];
    const MemberId id = (op & 7u) + 1;
    const unsigned kind = (op >> 3) & 3u;
    std::string text;
    if (kind == 1 || kind == 3) {
      const std::size_t n = i < size ? data[i++] : 0;
      for (std::size_t k = 0; k < n && i < size; ++k, ++i)
        if (data[i] != '\n') text.push_back(static_cast<char>(data[i]));
    }
    out.clear();
    if (kind == 0) core.join(id, out);
    else if (kind == 2) core.leave(id, {}, out);
    else core.line(id, text, out);
    bool closes_self = false;
    for (const Delivery& d : out.deliveries) {
      check(d.line.empty() ? d.close : (d.line.back() == '\n' && d.line.find('\n') == d.line.size() - 1));
      if (d.close) {
        check(d.to.size() == 1 && d.to[0] == id);
        closes_self = true;
      }
      for (const MemberId to : d.to) check(present.count(to) > 0 || to == id);
      check_wire(d, op >> 5);
    }
    if (kind == 0) present.insert(id);
    if (kind == 2 || closes_self) present.erase(id);
    check(kind != 2 || closes_self);  // a leave always closes
    check(core.members() == present.size());
  }
  return 0;
}
