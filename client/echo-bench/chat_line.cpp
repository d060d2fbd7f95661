#include "chat_line.hpp"

#include <charconv>
#include <fmt/format.h>

namespace echo::bench {
namespace {

// Reads one decimal number and the single space after it (none after the last one).
bool take_number(std::string_view& text, std::uint64_t& value, bool last) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (last) return text.empty();
  if (text.empty() || text.front() != ' ') return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::string message_line(std::uint64_t sender, std::uint64_t seq, std::uint64_t origin_ns) {
  return fmt::format("M {} {} {}\n", sender, seq, origin_ns);
}

std::string hello_line(std::uint64_t client) { return fmt::format("J {}\n", client); }

ChatLine parse_chat_line(std::string_view line) {
  ChatLine parsed;
  if (line.starts_with("* ")) {
    parsed.kind = ChatLine::Kind::notice;
    return parsed;
  }
  if (line.starts_with("ERR ")) {
    parsed.kind = ChatLine::Kind::server_error;
    return parsed;
  }
  // NAME: TEXT, where a name has no ':' or space.
  const auto colon = line.find(": ");
  if (colon == 0 || colon == std::string_view::npos || line.substr(0, colon).find(' ') != std::string_view::npos)
    return parsed;
  std::string_view text = line.substr(colon + 2);
  if (text.starts_with("M ")) {
    text.remove_prefix(2);
    if (take_number(text, parsed.sender, false) && take_number(text, parsed.seq, false) &&
        take_number(text, parsed.origin_ns, true))
      parsed.kind = ChatLine::Kind::message;
  } else if (text.starts_with("J ")) {
    text.remove_prefix(2);
    if (take_number(text, parsed.client, true)) parsed.kind = ChatLine::Kind::hello;
  }
  return parsed;
}

}  // namespace echo::bench
