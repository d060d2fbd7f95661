#pragma once
// Past one process's descriptors (the hard RLIMIT_NOFILE, which nothing here can raise), a run
// is split over several echo-bench processes: each re-executes this program with its share of
// the connections and of the rate (`--agent I/N`) and writes its whole result to a file; all of
// them open their connections first, then start together; their results merge exactly.

#include <cstddef>
#include <optional>
#include <string>

#include "load_run.hpp"
#include "run_options.hpp"
#include "run_result.hpp"
#include "target.hpp"

namespace echo::bench {

// Descriptors one process needs for `o`: every connection, plus epoll and timer per thread,
// stdio and a few spare.
std::size_t descriptors_needed(const RunOptions& o, unsigned threads);

// Load processes `o` needs: 1 when this process's raised limit is enough (or it is already one
// of several: --agent, --hold).
unsigned load_processes_needed(const RunOptions& o, unsigned threads);

// Runs `o` as `processes` load processes and merges their results. Says on stderr how it split
// the run. Refuses before starting, with the numbers, when the machine cannot hold that many
// connections (system-wide open files, memory, processes).
std::optional<RunResult> run_load_processes(const RunOptions& o, unsigned processes, const Target& target,
                                            std::string& error, const RunHooks& hooks);

// In a load process (--hold): SIGUSR1 is the signal to start; it is blocked before any thread
// starts. wait_for_go says `ready CONNECTIONS` on stdout and waits for it (or Ctrl-C: false).
void block_go_signal();
bool wait_for_go(std::uint64_t held, std::string& error);

}  // namespace echo::bench
