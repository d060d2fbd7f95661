#include "payload.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "transform.hpp"

namespace echo::bench {

Payload::Payload(std::size_t size, Expect expect) : size_(size), expect_(expect) {
  if (size == 0) throw std::invalid_argument("payload size must be at least 1 byte (the LF)");
  requests_.resize(size_ - 1 + kVariants);
  for (std::size_t i = 0; i < requests_.size(); ++i) requests_[i] = static_cast<char>('a' + i % 26);
  replies_ = requests_;
  if (expect_ == Expect::upper) std::transform(replies_.begin(), replies_.end(), replies_.begin(), echo::to_upper_ascii);
}

void Payload::append_request(std::uint64_t seq, std::string& out) const {
  out.append(request(seq));
  out.push_back('\n');
}

ReplyChecker::Step ReplyChecker::feed(std::uint64_t seq, std::string_view data) {
  const std::size_t lf = data.find('\n');
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
  const bool correct = payload_->expect() == Expect::none || (!wrong_ && seen_ == payload_->size() - 1);
  if (!correct && sample_.empty()) sample_.assign(data.substr(0, std::min<std::size_t>(body, 40)));
  seen_ = 0;
  wrong_ = false;
  return {lf + 1, true, correct};
}

}  // namespace echo::bench
