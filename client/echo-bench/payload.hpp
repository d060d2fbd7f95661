#pragma once
// What echo-bench sends and what it expects back. A request is exactly `size` bytes: size-1
// lowercase letters and the LF, so `upper` is checked on every byte. With raw framing (the
// seeds' protocol, no lines) it is `size` letters, answered once as many bytes came back. Requests rotate through 26
// variants (each starts one letter later) so a server replaying a stale or wrong line is caught.
// Everything is precomputed: sending and checking copy and compare, and never allocate.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "framer.hpp"

namespace echo::bench {

enum class Expect { upper, echo, none };

class Payload {
 public:
  static constexpr std::size_t kVariants = 26;

  Payload(std::size_t size, Expect expect, Framing framing = Framing::line);

  std::size_t size() const { return size_; }
  Expect expect() const { return expect_; }
  bool raw() const { return raw_; }
  // Request number `seq` (any counter; only seq % 26 matters) and its expected reply, without LF.
  std::string_view request(std::uint64_t seq) const { return {requests_.data() + seq % kVariants, body_}; }
  std::string_view reply(std::uint64_t seq) const { return {replies_.data() + seq % kVariants, body_}; }
  // Appends request `seq` (with its LF, unless raw) to out.
  void append_request(std::uint64_t seq, std::string& out) const;

 private:
  std::size_t size_;
  Expect expect_;
  bool raw_;
  std::size_t body_;  // the letters of a request: size-1 (the LF follows), or size when raw
  std::string requests_, replies_;  // letters only; a request is a window of size-1 of them
};

// Checks one reply stream as it arrives, in pieces of any size: compares each byte with the
// expected reply and calls the line complete at its LF (raw framing: once it has every byte).
class ReplyChecker {
 public:
  explicit ReplyChecker(const Payload& payload) : payload_(&payload) {}

  struct Step {
    std::size_t consumed;  // bytes of `data` used, up to and including the LF if complete
    bool complete;         // a whole reply (LF seen, or raw: all its bytes)
    bool correct;          // meaningful when complete
  };
  // Consumes bytes of the reply to request `seq` until its LF or the end of `data`.
  Step feed(std::uint64_t seq, std::string_view data);
  // The end of the first wrong reply (at most 40 bytes), for the report.
  const std::string& sample_mismatch() const { return sample_; }

 private:
  const Payload* payload_;
  std::size_t seen_ = 0;  // bytes of the current reply so far, LF excluded
  bool wrong_ = false;
  std::string sample_;
};

}  // namespace echo::bench
