#include "process_tree.hpp"

#include <unistd.h>

#include "proc_info.hpp"

namespace echo::bench {

TreeSample sample_tree(pid_t root) {
  static const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  TreeSample sample;
  for (const pid_t pid : process_tree(root)) {
    const auto stat = ProcStat::read(pid);
    if (!stat) continue;  // gone meanwhile
    ++sample.processes;
    sample.threads += static_cast<unsigned>(stat->number(20));  // num_threads
    sample.rss_bytes += stat->number(24) * page;                 // rss, in pages
  }
  return sample;
}

TreeSampler::TreeSampler(pid_t root, std::chrono::milliseconds period)
    : root_(root), period_(period), thread_([this] { loop(); }) {}

TreeSampler::~TreeSampler() {
  stop_ = true;
  thread_.join();
}

TreeSample TreeSampler::peak() const { return {peak_rss_.load(), peak_processes_.load(), peak_threads_.load()}; }

void TreeSampler::loop() {
  while (!stop_) {
    const TreeSample s = sample_tree(root_);
    if (s.rss_bytes > peak_rss_) peak_rss_ = s.rss_bytes;
    if (s.processes > peak_processes_) peak_processes_ = s.processes;
    if (s.threads > peak_threads_) peak_threads_ = s.threads;
    for (auto waited = std::chrono::milliseconds(0); waited < period_ && !stop_; waited += std::chrono::milliseconds(10))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace echo::bench
