#include "line_framer.hpp"

namespace echo {

constexpr std::size_t kKeepPartial = 1024;  // what a split line of ordinary length may keep

void LineFramer::answer(std::string_view line, std::string& out) {
  append_transformed(transform_, line, out);
  out.push_back('\n');
}

std::size_t LineFramer::feed(std::string_view bytes, std::string& out) {
  std::size_t lines = 0;
  while (!done_ && !bytes.empty()) {
    const std::size_t lf = bytes.find('\n');
    const std::size_t len = (lf == std::string_view::npos) ? bytes.size() : lf;
    if (partial_.size() + len > max_line_) {
      // Refuse as soon as the limit is passed, LF or not, so memory stays bounded.
      out.append(kErrLineTooLong);
      partial_.clear();
      partial_.shrink_to_fit();
      done_ = true;
      break;
    }
    if (lf == std::string_view::npos) {
      partial_.append(bytes);
      break;
    }
    if (partial_.empty()) {
      answer(bytes.substr(0, lf), out);  // the common case: the whole line is in this read
    } else {
      partial_.append(bytes.substr(0, lf));
      answer(partial_, out);
      partial_.clear();
      // A long line's room is given back: an idle connection should hold almost nothing.
      if (partial_.capacity() > kKeepPartial) partial_.shrink_to_fit();
    }
    ++lines;
    bytes.remove_prefix(lf + 1);
  }
  return lines;
}

std::size_t LineFramer::finish(std::string& out) {
  if (done_) return 0;
  done_ = true;
  if (partial_.empty()) return 0;
  answer(partial_, out);
  partial_.clear();
  return 1;
}

}  // namespace echo
