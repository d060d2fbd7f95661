// libFuzzer target for the protocol core: arbitrary bytes fed to LineFramer in arbitrary chunks
// must give exactly the replies of a whole-input reference model, and the framer must never hold
// more than max_line bytes.
//
// Input layout:
//   byte 0      bits 0-5: max_line - 1 (so 1..64: small limits reach the ERR path often)
//               bit 6: transform echo (else upper)   bit 7: call finish() at the end
//   then records: one length byte L (L & 0x7F data bytes follow; fewer at the end of input),
//   each record's data is one feed() call. Empty feeds are allowed and must change nothing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "line_framer.hpp"

namespace {

// The protocol as SPEC.md states it, on the whole input at once: no chunks, no state.
struct Model {
  std::string out;
  std::size_t lines = 0;
  bool refused = false;  // a line went over the limit
};

Model model(std::string_view in, bool upper, std::size_t max_line, bool finish) {
  Model m;
  auto reply = [&](std::string_view line) {
    for (const char c : line) m.out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    m.out.push_back('\n');
    ++m.lines;
  };
  for (;;) {
    const std::size_t lf = in.find('\n');
    const std::string_view line = in.substr(0, lf);  // the whole rest when there is no LF
    if (line.size() > max_line) {  // earlier lines answered, then ERR, then nothing more
      m.out += "ERR line too long\n";
      m.refused = true;
      return m;
    }
    if (lf == std::string_view::npos) {
      if (finish && !line.empty()) reply(line);  // end of input: a last line without LF
      return m;
    }
    reply(line);
    in.remove_prefix(lf + 1);
  }
}

[[noreturn]] void fail(const char* what, std::string_view expected, std::string_view got) {
  std::fprintf(stderr, "fuzz_line_framer: %s\n  expected (%zu bytes): %.*s\n  got      (%zu bytes): %.*s\n", what,
               expected.size(), static_cast<int>(expected.size() > 200 ? 200 : expected.size()), expected.data(),
               got.size(), static_cast<int>(got.size() > 200 ? 200 : got.size()), got.data());
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what, "", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t max_line = (data[0] & 0x3Fu) + 1u;
  const bool upper = (data[0] & 0x40u) == 0;
  const bool finish = (data[0] & 0x80u) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  echo::LineFramer framer(upper ? echo::Transform::upper : echo::Transform::echo, max_line);
  std::string fed;  // everything fed so far, in one piece, for the model
  std::string out = "prefix";  // feed() appends: what is already there must stay
  std::size_t lines = 0;
  std::size_t line_start = 0;  // in `fed`: where the unfinished line begins
  bool refused = false;        // the model's verdict so far, kept incrementally (O(n) in all)
  while (!rest.empty()) {
    const std::size_t len = static_cast<unsigned char>(rest[0]) & 0x7Fu;
    rest.remove_prefix(1);
    const std::string_view chunk = rest.substr(0, len);
    rest.remove_prefix(chunk.size());
    lines += framer.feed(chunk, out);
    for (std::size_t i = fed.size(); i < fed.size() + chunk.size() && !refused; ++i) {
      if (chunk[i - fed.size()] != '\n') continue;
      refused = i - line_start > max_line;
      line_start = i + 1;
    }
    fed.append(chunk);
    refused = refused || fed.size() - line_start > max_line;  // refused before its LF arrives
    check(framer.buffered() <= max_line, "buffered() > max_line");
    check(framer.done() == refused, "done() disagrees with the model after feed()");
    // Until it stops, the framer holds exactly the unfinished last line, nothing else.
    if (!refused) check(framer.buffered() == fed.size() - line_start, "buffered() is not the unfinished line");
  }
  if (finish) lines += framer.finish(out);

  const Model expected = model(fed, upper, max_line, finish);
  const std::string_view got = std::string_view(out).substr(6);
  if (std::string_view(out).substr(0, 6) != "prefix") fail("feed() changed what was already in `out`", "prefix", out);
  if (got != expected.out) fail("replies differ from the model", expected.out, got);
  check(lines == expected.lines, "line count differs from the model");
  check(framer.done() == (expected.refused || finish), "done() wrong at the end");
  check(framer.buffered() <= max_line, "buffered() > max_line at the end");
  return 0;
}
