#pragma once
// `echo-bench run`: resolves the target, starts the load threads, times the warm-up and the
// measured window, shows progress, and adds up what the threads counted.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "run_options.hpp"
#include "run_result.hpp"

namespace echo::bench {

// Runs the load. Returns nullopt with `error` set (one line) when the run could not start: the
// server cannot be reached, no connection opened, not enough file descriptors. Ctrl-C (see
// echo::install_stop_handlers) ends the run early with what was measured so far.
// `on_held`, if set, is called once every connection (-c and --idle, over every load process)
// is open and before any line is sent, with how many are held: compare reads the server's
// memory then.
struct RunHooks {
  std::function<void(std::uint64_t held)> on_held;
};
std::optional<RunResult> run_load(const RunOptions& options, std::string& error, const RunHooks& hooks = {});

}  // namespace echo::bench
