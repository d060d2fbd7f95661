#include "agent_share.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <thread>

#include "stop_signal.hpp"

namespace echo::bench {

bool parse_agent(const std::string& text, unsigned& index, unsigned& count, std::string& error) {
  const auto slash = text.find('/');
  auto number = [](std::string_view s, unsigned& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
  };
  const std::string_view all(text);
  if (slash == std::string::npos || !number(all.substr(0, slash), index) || !number(all.substr(slash + 1), count)) {
    error = fmt::format("--agent wants I/N (agent I, counted from 0, of N), not '{}'", text);
    return false;
  }
  if (count == 0 || index >= count) {
    error = fmt::format("--agent {}: the agent number must be from 0 to N-1", text);
    return false;
  }
  return true;
}

std::optional<std::string> apply_agent_share(RunOptions& o) {
  const std::size_t n = o.agent_count, i = o.agent_index;
  if (n <= 1) return std::nullopt;
  if (o.connections < n)
    return fmt::format("-c {} cannot be shared by {} agents: each needs at least one connection", o.connections, n);
  const std::size_t whole = o.connections;
  const std::size_t mine = whole / n + (i < whole % n ? 1 : 0);
  if (o.requests != 0) {
    // Proportional shares of every agent before this one, so the N shares add up to -n exactly.
    std::uint64_t before = 0, share = 0;
    for (std::size_t a = 0; a <= i; ++a) {
      const std::size_t conns = whole / n + (a < whole % n ? 1 : 0);
      share = a + 1 == n ? o.requests - before : o.requests * conns / whole;
      if (a < i) before += share;
    }
    if (share == 0) return fmt::format("-n {} is too few for {} agents: agent {} would send none", o.requests, n, i);
    o.requests = share;
  }
  o.rate = o.rate * static_cast<double>(mine) / static_cast<double>(whole);
  o.connect_rate = o.connect_rate * static_cast<double>(mine) / static_cast<double>(whole);
  o.connections = mine;
  return std::nullopt;
}

namespace {
double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::optional<std::string> check_start_time(double start_at) {
  const double ahead = start_at - unix_now();
  if (ahead < -kStartLateLimitS)
    return fmt::format("--start-at {:.3f} was {:.1f} s ago (more than {:.0f} s): the agents would not start together; "
                       "give a time a little ahead, e.g. $(($(date +%s) + 10))",
                       start_at, -ahead, kStartLateLimitS);
  if (ahead > kStartEarlyLimitS)
    return fmt::format("--start-at {:.3f} is {:.0f} s ahead (more than a day): is it a Unix time in seconds?", start_at, ahead);
  return std::nullopt;
}

bool wait_for_start(double start_at, bool say_so, std::string& error) {
  using namespace std::chrono;
  if (auto bad = check_start_time(start_at)) {
    error = *bad;
    return false;
  }
  const auto now = unix_now;
  const double ahead = start_at - now();
  if (say_so && ahead > 0) fmt::print(stderr, "echo-bench: waiting {:.1f} s for the start time\n", ahead);
  while (now() < start_at) {
    if (echo::stop_requested()) {
      error = "stopped while waiting for the start time";
      return false;
    }
    std::this_thread::sleep_for(duration<double>(std::min(0.01, start_at - now())));
  }
  return true;
}

}  // namespace echo::bench
