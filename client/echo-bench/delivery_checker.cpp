#include "delivery_checker.hpp"

namespace echo::bench {

DeliveryChecker::Verdict DeliveryChecker::receive(std::size_t slot, std::uint64_t seq) {
  // The order, duplicates included: two members agree only if they saw the very same sequence.
  for (const std::uint64_t part : {static_cast<std::uint64_t>(slot), seq}) {
    hash_ ^= part;
    hash_ *= 1099511628211ull;  // FNV-1a prime, applied per 64-bit word
  }
  Track& t = tracks_[slot];
  if (seq >= t.next) {
    for (std::uint64_t skipped = t.next; skipped < seq; ++skipped) t.gaps.insert(skipped);
    t.next = seq + 1;
    ++received_;
    return Verdict::first;
  }
  if (t.gaps.erase(seq) == 1) {
    ++received_;
    ++late_;
    return Verdict::late;
  }
  ++duplicates_;
  return Verdict::duplicate;
}

bool DeliveryChecker::complete(std::size_t slot, std::uint64_t sent) const {
  const Track& t = tracks_[slot];
  return t.next >= sent && t.gaps.empty();
}

std::uint64_t DeliveryChecker::missing(const std::vector<std::uint64_t>& sent_by_slot) const {
  std::uint64_t n = 0;
  for (std::size_t slot = 0; slot < tracks_.size(); ++slot) {
    const Track& t = tracks_[slot];
    n += t.gaps.size();
    if (sent_by_slot[slot] > t.next) n += sent_by_slot[slot] - t.next;
  }
  return n;
}

}  // namespace echo::bench
