#pragma once
// The protocol core: bytes in, replies out, no sockets. Every backend drives one of these per
// connection, so a line split over reads, many lines in one read, an over-long line and end of
// input are handled (and tested) in exactly one place.

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol.hpp"
#include "transform.hpp"

namespace echo {

class LineFramer {
 public:
  LineFramer(Transform transform, std::size_t max_line) : transform_(transform), max_line_(max_line) {}

  // Consumes `bytes` and appends one reply per complete line to `out`. A line longer than
  // max_line (LF not counted) ends the conversation: `ERR line too long` is appended and
  // done() turns true. Returns the number of lines answered (the ERR line not counted).
  std::size_t feed(std::string_view bytes, std::string& out);

  // End of input: a last line without LF is answered as if it had one. Returns lines answered.
  std::size_t finish(std::string& out);

  // True once nothing more will be answered: after finish() or after a line over the limit.
  bool done() const { return done_; }
  // Bytes of an unfinished line held back; never more than max_line.
  std::size_t buffered() const { return partial_.size(); }

 private:
  void answer(std::string_view line, std::string& out);

  Transform transform_;
  std::size_t max_line_;
  std::string partial_;  // the start of a line whose LF has not arrived yet
  bool done_ = false;
};

}  // namespace echo
