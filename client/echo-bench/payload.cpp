#include "payload.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "transform.hpp"

namespace echo::bench {

Payload::Payload(std::size_t size, Expect expect, Framing framing)
    : size_(size), expect_(expect), raw_(framing == Framing::raw), body_(raw_ ? size : size - 1) {
  if (size == 0) throw std::invalid_argument("payload size must be at least 1 byte (the LF)");
  requests_.resize(body_ + kVariants);
  for (std::size_t i = 0; i < requests_.size(); ++i) requests_[i] = static_cast<char>('a' + i % 26);
  replies_ = requests_;
  if (expect_ == Expect::upper) std::transform(replies_.begin(), replies_.end(), replies_.begin(), echo::to_upper_ascii);
}

void Payload::append_request(std::uint64_t seq, std::string& out) const {
  out.append(request(seq));
  if (!raw_) out.push_back('\n');
}

ReplyChecker::Step ReplyChecker::feed(std::uint64_t seq, std::string_view data) {
  // Where this reply ends in `data`, if it does: at its LF, or raw, after its last byte.
  const std::size_t expected_size = payload_->reply(seq).size();
  const std::size_t lf = payload_->raw() ? (seen_ + data.size() >= expected_size ? expected_size - seen_ : std::string_view::npos)
                                         : data.find('\n');
  const std::size_t body = lf == std::string_view::npos ? data.size() : lf;
  if (payload_->expect() != Expect::none && !wrong_) {
    const std::string_view expected = payload_->reply(seq);
    if (seen_ + body > expected.size() ||
        std::memcmp(data.data(), expected.data() + seen_, body) != 0) {
      wrong_ = true;
    }
  }
  seen_ += body;
  if (lf == std::string_view::npos) return {data.size(), false, false};
  // A reply that is a prefix of the expected one (too short) is wrong too.
  const bool correct = payload_->expect() == Expect::none || (!wrong_ && seen_ == expected_size);
  if (!correct && sample_.empty()) sample_.assign(data.substr(0, std::min<std::size_t>(body, 40)));
  seen_ = 0;
  wrong_ = false;
  return {payload_->raw() ? lf : lf + 1, true, correct};
}

}  // namespace echo::bench
