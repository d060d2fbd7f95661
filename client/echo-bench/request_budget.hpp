#pragma once
// A load thread's share of -n: the lines it may still send. Every line a thread sends is taken
// from here first, so the count goes down in one place whatever the pacing.

#include <cstdint>

namespace echo::bench {

class RequestBudget {
 public:
  explicit RequestBudget(std::uint64_t lines) : limited_(lines != 0), left_(lines) {}  // 0: no limit

  // Takes one line; false when none is left.
  bool take() {
    if (!limited_) return true;
    if (left_ == 0) return false;
    --left_;
    return true;
  }
  bool spent() const { return limited_ && left_ == 0; }

 private:
  bool limited_;
  std::uint64_t left_;
};

}  // namespace echo::bench
