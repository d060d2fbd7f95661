#pragma once
// A server's process tree watched while a load runs: its peaks. Memory and process counts come
// and go (fork mode's children), so only sampling over time sees their maximum.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace echo::bench {

struct TreeSample {
  std::uint64_t rss_bytes = 0;  // summed over the processes (shared pages counted in each)
  unsigned processes = 0;
  unsigned threads = 0;
};

// Samples the tree (echo::sample_tree, /proc/PID/stat only) every `period` on its own thread.
class TreeSampler {
 public:
  TreeSampler(pid_t root, std::chrono::milliseconds period);
  ~TreeSampler();  // stops sampling
  TreeSampler(const TreeSampler&) = delete;
  TreeSampler& operator=(const TreeSampler&) = delete;

  TreeSample peak() const;  // the largest value of each field seen so far

 private:
  void loop();

  pid_t root_;
  std::chrono::milliseconds period_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> peak_rss_{0};
  std::atomic<unsigned> peak_processes_{0}, peak_threads_{0};
  std::thread thread_;
};

}  // namespace echo::bench
