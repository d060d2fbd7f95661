#pragma once
// What one room member received, checked message by message, with no sockets: the rules of
// SPEC.md "Chat" as seen from one member. Each sender's messages must arrive once each, in the
// order sent (sequence numbers 0, 1, 2, ...). A sequence number that skips ahead leaves a gap; a
// gap filled later was out of order, one never filled is missing, a number seen twice is a
// duplicate. The order across senders is folded into a hash, so members of one room can be
// compared at the end in O(1) memory: one order per room means equal hashes.

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace echo::bench {

class DeliveryChecker {
 public:
  enum class Verdict { first, late, duplicate };  // first: received for the first time, not after a later one

  explicit DeliveryChecker(std::size_t senders) : tracks_(senders) {}

  // Sender `slot` (its place among the room's senders; the caller checked it is one) and its
  // message number `seq` (the caller checked it was sent).
  Verdict receive(std::size_t slot, std::uint64_t seq);

  // Every message sender `slot` sent, `sent` of them, arrived (and nothing is left in a gap).
  bool complete(std::size_t slot, std::uint64_t sent) const;
  // Messages never received, given how many each sender sent.
  std::uint64_t missing(const std::vector<std::uint64_t>& sent_by_slot) const;

  std::uint64_t received() const { return received_; }  // first receipts: in order or late
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t late() const { return late_; }
  std::uint64_t order_hash() const { return hash_; }

 private:
  struct Track {
    std::uint64_t next = 0;          // every number below it arrived or is in `gaps`
    std::set<std::uint64_t> gaps;    // numbers skipped over, not (yet) received
  };
  std::vector<Track> tracks_;
  std::uint64_t received_ = 0, duplicates_ = 0, late_ = 0;
  std::uint64_t hash_ = 14695981039346656037ull;  // FNV-1a offset basis
};

}  // namespace echo::bench
