#pragma once
// What a session drives: bytes in, replies out, no sockets. Two framings of the same transform:
// `line` (the protocol of SPEC.md: one reply per line, LineFramer) and `raw` (the seeds' own
// protocol, Python's `conn.send(conn.recv(1024).upper())`: whatever is read is transformed and
// written back, with no framing at all). A session picks neither; it holds a Framer.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "line_framer.hpp"
#include "transform.hpp"

namespace echo {

enum class Framing { line, raw };

std::string_view to_string(Framing f);
std::optional<Framing> parse_framing(std::string_view name);

// Raw framing: every chunk read is answered at once, transformed; no line limit and nothing held
// back, so memory is bounded by the session's read size.
class RawFramer {
 public:
  explicit RawFramer(Transform transform) : transform_(transform) {}
  // Appends `bytes` transformed. Returns 1 (one chunk answered) or 0 for no bytes.
  std::size_t feed(std::string_view bytes, std::string& out) {
    if (done_ || bytes.empty()) return 0;
    append_transformed(transform_, bytes, out);
    return 1;
  }
  std::size_t finish(std::string&) {  // nothing is ever held back
    done_ = true;
    return 0;
  }
  bool done() const { return done_; }
  std::size_t buffered() const { return 0; }

 private:
  Transform transform_;
  bool done_ = false;
};

// The framing chosen by --framing, behind one interface (a branch per read, not per byte).
// feed() and finish() return what was answered: lines, or chunks in raw framing.
class Framer {
 public:
  Framer(Framing framing, Transform transform, std::size_t max_line)
      : raw_(framing == Framing::raw), lines_(transform, max_line), chunks_(transform) {}

  std::size_t feed(std::string_view bytes, std::string& out) { return raw_ ? chunks_.feed(bytes, out) : lines_.feed(bytes, out); }
  std::size_t finish(std::string& out) { return raw_ ? chunks_.finish(out) : lines_.finish(out); }
  // True once nothing more will be answered: after finish(), or after a line over the limit.
  bool done() const { return raw_ ? chunks_.done() : lines_.done(); }
  std::size_t buffered() const { return raw_ ? chunks_.buffered() : lines_.buffered(); }

 private:
  bool raw_;
  LineFramer lines_;
  RawFramer chunks_;
};

}  // namespace echo
