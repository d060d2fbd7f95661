#pragma once
// Many machines, one load: `run --agent I/N --start-at UNIX_TIME`. Agent I (from 0) of N runs its
// share of -c, --rate and -n, and every agent starts at the same wall-clock instant, so that their
// result files add up (echo-bench merge) to one run of the whole load.

#include <optional>
#include <string>

#include "run_options.hpp"

namespace echo::bench {

// How far in the past --start-at may be (clocks of different machines, a slow container start)
// before it is refused: agents that started that far apart did not run one load.
inline constexpr double kStartLateLimitS = 5;
inline constexpr double kStartEarlyLimitS = 24 * 3600;  // further ahead than this is a typo

// "I/N" with 0 <= I < N; false (and `error`) otherwise.
bool parse_agent(const std::string& text, unsigned& index, unsigned& count, std::string& error);

// Turns the whole load in `o` into agent o.agent_index's share: connections dealt evenly (the
// first ones get the remainder), --rate and -n in proportion to the connections (-n's rounding
// remainder to the last agent). Error when an agent would get no connection.
std::optional<std::string> apply_agent_share(RunOptions& o);

// What is wrong with --start-at now (long past, or absurdly far ahead), if anything.
std::optional<std::string> check_start_time(double start_at);

// Sleeps until `start_at` (Unix time, seconds). Error when it is more than kStartLateLimitS in
// the past or kStartEarlyLimitS ahead, or when stopped (Ctrl-C) while waiting.
bool wait_for_start(double start_at, bool say_so, std::string& error);

}  // namespace echo::bench
