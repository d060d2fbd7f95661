#include "tree_sampler.hpp"

#include "tree_usage.hpp"

namespace echo::bench {

TreeSampler::TreeSampler(pid_t root, std::chrono::milliseconds period)
    : root_(root), period_(period), thread_([this] { loop(); }) {}

TreeSampler::~TreeSampler() {
  stop_ = true;
  thread_.join();
}

TreeSample TreeSampler::peak() const { return {peak_rss_.load(), peak_processes_.load(), peak_threads_.load()}; }

void TreeSampler::loop() {
  while (!stop_) {
    const echo::TreeUsage s = echo::sample_tree(root_, echo::TreeDetail::stat_only);
    const std::uint64_t rss_bytes = std::uint64_t{s.rss_kib} * 1024;
    if (rss_bytes > peak_rss_) peak_rss_ = rss_bytes;
    if (s.processes > peak_processes_) peak_processes_ = static_cast<unsigned>(s.processes);
    if (s.threads > peak_threads_) peak_threads_ = static_cast<unsigned>(s.threads);
    for (auto waited = std::chrono::milliseconds(0); waited < period_ && !stop_; waited += std::chrono::milliseconds(10))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace echo::bench
