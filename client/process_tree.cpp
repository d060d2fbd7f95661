#include "process_tree.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace echo::bench {
namespace {

// /proc/PID/stat fields after the command name: num_threads is field 20 and rss field 24.
bool read_stat(pid_t pid, unsigned& threads, std::uint64_t& rss_pages) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  std::ifstream in(path);
  std::string text;
  if (!std::getline(in, text)) return false;
  const auto close_paren = text.rfind(')');  // the name may hold spaces and parentheses
  if (close_paren == std::string::npos) return false;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string field;
  for (int i = 3; i <= 24 && fields >> field; ++i) {
    if (i == 20) threads = static_cast<unsigned>(std::stoul(field));
    if (i == 24) rss_pages = std::stoull(field);
  }
  return true;
}

void children_of(pid_t pid, std::vector<pid_t>& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* dir = opendir(path);
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(std::string(path) + "/" + entry->d_name + "/children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  closedir(dir);
}

}  // namespace

TreeSample sample_tree(pid_t root) {
  static const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  TreeSample sample;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    const pid_t pid = todo.back();
    todo.pop_back();
    unsigned threads = 0;
    std::uint64_t rss_pages = 0;
    if (!read_stat(pid, threads, rss_pages)) continue;  // gone meanwhile
    ++sample.processes;
    sample.threads += threads;
    sample.rss_bytes += rss_pages * page;
    children_of(pid, todo);
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
