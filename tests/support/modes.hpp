#pragma once
// The end-to-end tests run every check against every backend.

#include <array>
#include <string>

namespace echo::test {

inline const std::array<std::string, 4> kModes{"fork", "thread", "pool", "coro"};

}  // namespace echo::test
